import type { ContainerModule } from 'inversify'
import { InvalidArgumentError } from '../core/errors.js'
import type { NodeId } from '../core/protocol/messages.js'
import type { ReplicationScheme } from '../core/scheme/replication-scheme.js'
import type { NodeSettings } from './node-settings.js'

/** The ports whose plugin a node's settings choose, each by the kind named in the settings section of that name. */
export const SLOTS = ['transport', 'persistence', 'hasher', 'quorum', 'tracing'] as const
export type Slot = (typeof SLOTS)[number]

/** A plugin's section once its plugin has read it: the kind, and that plugin's own settings beside it. */
export interface PluginSettings {
  readonly kind: string
  readonly [field: string]: unknown
}

/** A section as a person writes it: a kind alone (`quorum: majority`) or a mapping with its kind and fields. */
export type SectionInput = string | PluginSettings

/** What a plugin's module is built for: the node it serves. */
export interface PluginNode {
  readonly self: NodeId
  readonly scheme: ReplicationScheme
  readonly settings: NodeSettings
}

/**
 * One strategy for one slot: the kind the settings name it by, the fields of its section it reads (besides
 * `kind`), how it reads them, and the ContainerModule that binds its port. `parse` gets the section's fields
 * (never `kind`) and returns its settings with defaults filled; reading its own output again yields the same.
 */
export interface PluginRegistration<S extends object = object> {
  readonly slot: Slot
  readonly kind: string
  readonly fields: readonly string[]
  parse(fields: SectionFields): S
  module(settings: S, node: PluginNode): ContainerModule
}

/** A registration whose section has nothing besides its kind (`quorum: majority`). */
export function kindOnlyPlugin(
  slot: Slot,
  kind: string,
  module: (node: PluginNode) => ContainerModule,
): PluginRegistration {
  return { slot, kind, fields: [], parse: () => ({}), module: (_, node) => module(node) }
}

/** A bad value in a plugin section: `field` is undefined when the section as a whole is wrong. */
export class SettingError extends InvalidArgumentError {
  constructor(
    readonly slot: Slot,
    readonly field: string | undefined,
    message: string,
  ) {
    super(message)
  }
}

/** The fields of one section, for its plugin to read; each error names the slot and the field. */
export class SectionFields {
  constructor(
    readonly slot: Slot,
    readonly kind: string,
    private readonly values: Readonly<Record<string, unknown>>,
  ) {}

  /** The field's value, or undefined when the section does not set it. */
  optional(field: string): unknown {
    return this.values[field]
  }

  required(field: string): unknown {
    const value = this.values[field]
    if (value === undefined) throw this.error(undefined, `${this.kind} ${this.slot} is missing "${field}"`)
    return value
  }

  /** An integer of at least `min` (0 or 1), or `fallback` when the field is not set. */
  integer(field: string, min: 0 | 1, fallback?: number): number {
    const value = fallback === undefined ? this.required(field) : (this.optional(field) ?? fallback)
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value
    const what = min === 0 ? 'a non-negative integer' : 'a positive integer'
    throw this.error(field, `${this.slot} ${field} must be ${what}; got ${describeValue(value)}`)
  }

  /** A non-empty string; `what` says what it names, for the error. */
  text(field: string, what: string): string {
    const value = this.required(field)
    if (typeof value === 'string' && value !== '') return value
    throw this.error(field, `${this.slot} ${field} must be ${what}; got ${describeValue(value)}`)
  }

  error(field: string | undefined, message: string): SettingError {
    return new SettingError(this.slot, field, message)
  }
}

/** A short phrase for a settings value, worded as the YAML reader words its nodes. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the string "${value}"`
  return `the ${typeof value} ${String(value)}`
}

/**
 * The registrations a node can be built from, by slot and kind. The composition root holds the default one
 * (src/node/node-plugins.ts); a caller that supplies more, as the simulation supplies its in-process transport,
 * extends it with `with`.
 */
export class PluginRegistry {
  private readonly bySlot = new Map<Slot, readonly PluginRegistration[]>()

  constructor(registrations: readonly PluginRegistration[]) {
    for (const registration of registrations) {
      const known = this.bySlot.get(registration.slot) ?? []
      if (known.some((other) => other.kind === registration.kind))
        throw new Error(`two ${registration.slot} plugins register the kind ${registration.kind}`)
      this.bySlot.set(registration.slot, [...known, registration])
    }
  }

  /** This registry and `extra` registrations besides. */
  with(...extra: readonly PluginRegistration[]): PluginRegistry {
    return new PluginRegistry([...[...this.bySlot.values()].flat(), ...extra])
  }

  kinds(slot: Slot): readonly string[] {
    return (this.bySlot.get(slot) ?? []).map((registration) => registration.kind)
  }

  find(slot: Slot, kind: string): PluginRegistration | undefined {
    return this.bySlot.get(slot)?.find((registration) => registration.kind === kind)
  }

  /** Reads one section by its plugin: the kind must be registered, and every field one that plugin reads. */
  parse(slot: Slot, input: unknown): PluginSettings {
    const { kind, fields } = this.kindAndFields(slot, input)
    const registration = this.find(slot, kind)
    if (registration === undefined) {
      const field = typeof input === 'string' ? undefined : 'kind'
      throw new SettingError(
        slot,
        field,
        `${slot} kind must be one of ${this.kindList(slot)}; got ${describeValue(kind)}`,
      )
    }
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || registration.fields.includes(key)) continue
      const allowed = ['kind', ...registration.fields].join(', ')
      throw new SettingError(slot, key, `unknown key "${key}" in ${slot} (kind ${kind}); allowed keys: ${allowed}`)
    }
    return Object.freeze({ ...registration.parse(new SectionFields(slot, kind, fields)), kind })
  }

  /** The module of the plugin a parsed section names. */
  moduleFor(slot: Slot, settings: PluginSettings, node: PluginNode): ContainerModule {
    const registration = this.find(slot, settings.kind)
    if (registration === undefined)
      throw new InvalidArgumentError(`${slot} kind must be one of ${this.kindList(slot)}; got "${settings.kind}"`)
    return registration.module(settings, node)
  }

  private kindAndFields(slot: Slot, input: unknown): { kind: string; fields: Record<string, unknown> } {
    if (typeof input === 'string') return { kind: input, fields: {} }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new SettingError(
        slot,
        undefined,
        `${slot} must be a kind (${this.kindList(slot)}) or a mapping { kind, ... }; got ${describeValue(input)}`,
      )
    }
    const { kind, ...fields } = input as Record<string, unknown>
    if (kind === undefined) throw new SettingError(slot, undefined, `${slot} is missing "kind"`)
    if (typeof kind !== 'string')
      throw new SettingError(
        slot,
        'kind',
        `${slot} kind must be one of ${this.kindList(slot)}; got ${describeValue(kind)}`,
      )
    return { kind, fields }
  }

  private kindList(slot: Slot): string {
    return this.kinds(slot).join(', ')
  }
}
