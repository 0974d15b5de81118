import { InvalidArgumentError } from '../core/errors.js'
import { DEFAULT_MAX_DOMAIN_SIZE } from '../core/token/token-value.js'
import { defaultKind, NODE_PLUGINS } from './node-plugins.js'
import { type PluginRegistry, type PluginSettings, type SectionInput, SLOTS, type Slot } from './plugin-registry.js'

/** A scheduled crash-stop of `node` for `token`, `afterMs` after the node starts. */
export interface FailSilentEvent {
  readonly node: string
  readonly token: string
  readonly afterMs: number
}

/**
 * Mutual TLS between nodes and for operators: PEM file paths (absolute once loaded) and whether callers of the
 * client-facing services (TokenService, health, reflection) must show a cluster certificate too.
 */
export interface SecuritySettings {
  /** The cluster CA: verifies peers and operators, and lets clients verify this node. */
  readonly ca: string
  /** This node's certificate (its subject CN is its access point) and private key. */
  readonly cert: string
  readonly key: string
  /** optional: any TLS client may use TokenService; required: every caller needs a certificate of the cluster CA. */
  readonly clientCerts: 'optional' | 'required'
}

/**
 * Everything that tunes a node; defaults in DEFAULT_SETTINGS. The plugin sections (transport, persistence, hasher,
 * quorum, tracing) name a registered kind and carry that plugin's own settings, as its registration read them.
 */
export interface NodeSettings {
  readonly transport: PluginSettings
  readonly persistence: PluginSettings
  readonly hasher: PluginSettings
  readonly quorum: PluginSettings
  /** Traces: `off` (spans only of operations a caller asks to trace, kept for TraceSpans) or `otlp` (exported). */
  readonly tracing: PluginSettings
  /** Upper bound on one client operation at a node (its quorum waits included). */
  readonly operationTimeoutMs: number
  /**
   * Read leases: a reader holding one answers reads of committed versions from its own copy; a writer's stores
   * then also wait for every holder (a silent one at most this long). 0 turns them off. Same on every node.
   */
  readonly readLeaseMs: number
  /** Bound on any node's clock rate error assumed by leases (0.01 = 1 %). Same on every node. */
  readonly clockDriftRate: number
  readonly maxDomainSize: bigint
  readonly maxQueuedWrites: number
  readonly maxConcurrentReads: number
  readonly maxParked: number
  readonly failSilent: readonly FailSilentEvent[]
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** Where to serve Prometheus metrics (`ip:port`); none when unset. */
  readonly metricsAddress: string | undefined
  /** TLS for the node's port, replica and admin services limited to cluster certificates; plaintext when unset. */
  readonly security: SecuritySettings | undefined
}

type ScalarSettings = Omit<NodeSettings, Slot>

const SCALAR_DEFAULTS: ScalarSettings = {
  operationTimeoutMs: 5_000,
  readLeaseMs: 1_000,
  clockDriftRate: 0.01,
  maxDomainSize: DEFAULT_MAX_DOMAIN_SIZE,
  maxQueuedWrites: 256,
  maxConcurrentReads: 4096,
  maxParked: 10_000,
  failSilent: [],
  logLevel: 'info',
  metricsAddress: undefined,
  security: undefined,
}

/**
 * The flat keys of earlier releases, still read: each sets a field of a plugin section when the kind chosen
 * there reads that field (hashThreads is the worker-pool hasher's `threads`), and is ignored otherwise.
 */
const LEGACY_FIELDS = {
  hashThreads: { slot: 'hasher', field: 'threads' },
  hashChunkValues: { slot: 'hasher', field: 'chunkValues' },
} as const satisfies Record<string, { slot: Slot; field: string }>

type LegacySettings = { readonly [K in keyof typeof LEGACY_FIELDS]?: number }

/** Settings as a caller or a file gives them: any subset, sections by kind alone or as mappings, old keys too. */
export type NodeSettingsInput = Partial<ScalarSettings> & { readonly [S in Slot]?: SectionInput } & LegacySettings

/**
 * Fills defaults and rejects values no node could run with; each plugin section is read by the plugin it names
 * among `plugins` (a SettingError names the section and field).
 */
export function resolveSettings(input: NodeSettingsInput, plugins: PluginRegistry = NODE_PLUGINS): NodeSettings {
  const { hashThreads: _threads, hashChunkValues: _chunk, ...given } = input
  const settings: NodeSettings = { ...SCALAR_DEFAULTS, ...given, ...sectionsOf(input, plugins) }
  const positive = (value: number, field: string): void => {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidArgumentError(`${field} must be a positive integer, got ${value}`)
  }
  positive(settings.operationTimeoutMs, 'operationTimeoutMs')
  positive(settings.maxQueuedWrites, 'maxQueuedWrites')
  positive(settings.maxConcurrentReads, 'maxConcurrentReads')
  positive(settings.maxParked, 'maxParked')
  if (!Number.isInteger(settings.readLeaseMs) || settings.readLeaseMs < 0) {
    throw new InvalidArgumentError(
      `readLeaseMs must be 0 (no leases) or a positive integer, got ${settings.readLeaseMs}`,
    )
  }
  if (!(settings.clockDriftRate >= 0 && settings.clockDriftRate < 0.5)) {
    throw new InvalidArgumentError(`clockDriftRate must be in [0, 0.5), got ${settings.clockDriftRate}`)
  }
  if (settings.maxDomainSize < 1n) throw new InvalidArgumentError('maxDomainSize must be >= 1')
  for (const event of settings.failSilent) {
    if (!(event.afterMs >= 0))
      throw new InvalidArgumentError(`failSilent afterMs must be >= 0 (${event.node} ${event.token})`)
  }
  return settings
}

export const DEFAULT_SETTINGS: NodeSettings = Object.freeze(resolveSettings({}))

function sectionsOf(input: NodeSettingsInput, plugins: PluginRegistry): { [S in Slot]: PluginSettings } {
  const entries = SLOTS.map((slot) => [slot, plugins.parse(slot, withLegacyFields(slot, input, plugins))])
  return Object.fromEntries(entries) as { [S in Slot]: PluginSettings }
}

/** The section `input` gives for `slot` (its default kind when none), with the old flat keys its kind reads. */
function withLegacyFields(slot: Slot, input: NodeSettingsInput, plugins: PluginRegistry): unknown {
  const section = input[slot] ?? defaultKind(slot)
  let merged: Record<string, unknown> | undefined
  for (const [key, target] of Object.entries(LEGACY_FIELDS)) {
    const value = input[key as keyof LegacySettings]
    if (value === undefined || target.slot !== slot) continue
    const fields = typeof section === 'string' ? { kind: section } : section
    if (typeof fields !== 'object' || fields === null || typeof fields.kind !== 'string') return section
    if (!plugins.find(slot, fields.kind)?.fields.includes(target.field)) continue
    merged = { [target.field]: value, ...(merged ?? fields) }
  }
  return merged ?? section
}
