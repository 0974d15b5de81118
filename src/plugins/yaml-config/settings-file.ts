/*
 * Node settings in YAML. Every key is optional and camelCase; a missing key keeps its default (DEFAULT_SETTINGS).
 *
 * The plugin sections (quorum, transport, persistence, hasher, tracing) name a registered kind, alone or with that plugin's
 * own fields, which the plugin reads and checks (src/node/node-plugins.ts lists the kinds):
 *
 *   quorum: majority            # or: all, or { kind: flexible, read: 2, write: 2 }
 *   transport: grpc             # or { kind: grpc, listen: 0.0.0.0:50051 }
 *   persistence: memory         # memory, or { kind: durable, dataDir: ./data }
 *   hasher: worker-pool         # or { kind: worker-pool, threads: 0, chunkValues: 262144 }, or inline
 *   tracing: off                # or { kind: otlp, endpoint: http://127.0.0.1:4318/v1/traces, samplePercent: 100 }
 *   hashThreads: 0              # earlier releases' spelling of the worker-pool's threads (still read)
 *   hashChunkValues: 262144     # and of its chunkValues
 *   operationTimeoutMs: 5000
 *   readLeaseMs: 1000           # read leases (0 = off); same on every node
 *   clockDriftRate: 0.01        # clock rate error leases allow for; same on every node
 *   maxDomainSize: 100000000    # integer or decimal string, up to 18446744073709551615, read exactly
 *   maxQueuedWrites: 256
 *   maxConcurrentReads: 4096
 *   maxParked: 10000
 *   logLevel: info              # debug | info | warn | error | silent (--log-level overrides)
 *   metricsAddress: 127.0.0.1:9464  # Prometheus /metrics; unset = no endpoint
 *   failSilent:                 # scheduled crash-stops: node, token, and after (5s, 1500ms, 2m, or a number of ms)
 *     - { node: 127.0.0.1:50053, token: 1, after: 5s }
 *   security:                   # TLS; paths relative to this file; clientCerts: optional (default) | required
 *     { ca: certs/ca.pem, cert: certs/node-127.0.0.1-50051.pem, key: certs/node-127.0.0.1-50051-key.pem }
 *   insecure: true              # plaintext, replica and admin calls unauthenticated (tm-server's --insecure)
 */
import { dirname, resolve } from 'node:path'
import { isMap, isScalar, isSeq } from 'yaml'
import type { Pair, ParsedNode } from 'yaml'
import { InvalidArgumentError } from '../../core/errors.js'
import { resolveSettings } from '../../node/node-settings.js'
import type { FailSilentEvent, NodeSettingsInput, SecuritySettings } from '../../node/node-settings.js'
import { type SectionInput, SettingError } from '../../node/plugin-registry.js'
import { parseUint64 } from '../../core/uint64.js'
import { loadTlsFiles, type PemKind, readPem } from '../tls/tls-files.js'
import { type ConfigLocator, describeNode, type Ranged, parseConfigDocument, readConfigText } from './config-error.js'
import { accessPointOf, tokenIdOf } from './scheme-file.js'

type Reader<T> = (node: ParsedNode, at: ConfigLocator, key: string) => T
type MutableSettings = { -readonly [K in keyof NodeSettingsInput]?: NodeSettingsInput[K] }

/** The plugin sections are read as plain values here and checked by the plugin each names (resolveSettings). */
const READERS: { readonly [K in keyof NodeSettingsInput]-?: Reader<NonNullable<NodeSettingsInput[K]>> } = {
  quorum: sectionOf,
  transport: sectionOf,
  persistence: sectionOf,
  hasher: sectionOf,
  tracing: sectionOf,
  hashThreads: nonNegativeIntegerOf,
  hashChunkValues: positiveIntegerOf,
  operationTimeoutMs: positiveIntegerOf,
  readLeaseMs: nonNegativeIntegerOf,
  clockDriftRate: rateOf,
  maxDomainSize: domainSizeOf,
  maxQueuedWrites: positiveIntegerOf,
  maxConcurrentReads: positiveIntegerOf,
  maxParked: positiveIntegerOf,
  failSilent: failSilentOf,
  logLevel: (node, at, key) => choiceOf(node, at, key, ['debug', 'info', 'warn', 'error', 'silent'] as const),
  metricsAddress: (node, at, key) => accessPointOf(node, key, at),
  security: securityOf,
}

/**
 * What a settings file may say: node settings, plus `insecure`, which only tm-server reads (it decides whether a
 * node without certificates may start), so it is not a setting of the node itself.
 */
export type SettingsFile = NodeSettingsInput & { readonly insecure?: boolean }
type FileKey = keyof NodeSettingsInput | 'insecure'
const KEYS: readonly FileKey[] = [...(Object.keys(READERS) as (keyof NodeSettingsInput)[]), 'insecure']

export function loadSettingsFile(path: string): SettingsFile {
  return parseSettings(readConfigText(path), path)
}

/**
 * The settings a file sets, unresolved: the caller merges command-line flags over them and then resolves. They
 * are resolved here once too, only so that a value no node could run with is reported against the file.
 */
export function parseSettings(text: string, file: string): SettingsFile {
  const { contents, at } = parseConfigDocument(text, file)
  if (contents === null) return {}
  if (!isMap<ParsedNode, ParsedNode>(contents))
    throw at.at(`settings must be a mapping of keys to values, got ${describeNode(contents)}`, contents)
  const settings: MutableSettings = {}
  let insecure: boolean | undefined
  for (const [key, pair] of fieldsOf(contents.items, KEYS, 'settings', at)) {
    // A bare `failSilent:` reads naturally as "no scheduled failures".
    if (key === 'failSilent' && isEmpty(pair)) settings.failSilent = []
    else if (key === 'insecure') insecure = insecureOf(pair, at)
    else setField(settings, key, valueNodeOf(pair, at), at)
  }
  if (insecure === true && settings.security !== undefined) {
    throw at.at('insecure: true contradicts the security section: keep one of them', contents)
  }
  try {
    resolveSettings(settings)
  } catch (error) {
    if (error instanceof SettingError) throw at.at(error.message, ...settingNodes(contents, error))
    if (error instanceof InvalidArgumentError) throw at.at(error.message, contents)
    throw error
  }
  return insecure === undefined ? settings : { ...settings, insecure }
}

function insecureOf(pair: Pair<ParsedNode, ParsedNode>, at: ConfigLocator): boolean {
  const node = valueNodeOf(pair, at)
  if (!isScalar(node) || typeof node.value !== 'boolean')
    throw at.at(`insecure must be true or false; got ${describeNode(node)}`, node)
  return node.value
}

/** Where a plugin's complaint points: its field's value, else its section, else the whole file. */
function settingNodes(contents: ParsedNode, error: SettingError): (Ranged | null | undefined)[] {
  const section = isMap<ParsedNode, ParsedNode>(contents) ? contents.get(error.slot, true) : undefined
  const field =
    error.field !== undefined && isMap<ParsedNode, ParsedNode>(section) ? section.get(error.field, true) : undefined
  return [field, section, contents]
}

function setField<K extends keyof NodeSettingsInput>(
  settings: MutableSettings,
  key: K,
  node: ParsedNode,
  at: ConfigLocator,
): void {
  settings[key] = READERS[key](node, at, key) as MutableSettings[K]
}

/** The pairs of a mapping by key, rejecting keys outside `allowed` (named in the error) and non-string keys. */
function fieldsOf<K extends string>(
  pairs: readonly Pair<ParsedNode, ParsedNode>[],
  allowed: readonly K[],
  where: string,
  at: ConfigLocator,
): Map<K, Pair<ParsedNode, ParsedNode>> {
  const fields = new Map<K, Pair<ParsedNode, ParsedNode>>()
  for (const pair of pairs) {
    const key = isScalar(pair.key) ? pair.key.value : undefined
    if (typeof key !== 'string' || !allowed.includes(key as K)) {
      const name = typeof key === 'string' ? `"${key}"` : describeNode(pair.key)
      throw at.at(`unknown key ${name} in ${where}; allowed keys: ${allowed.join(', ')}`, pair.key)
    }
    fields.set(key as K, pair)
  }
  return fields
}

function isEmpty(pair: Pair<ParsedNode, ParsedNode>): boolean {
  return pair.value === null || (isScalar(pair.value) && pair.value.value === null)
}

/** A pair's value; an empty one is an error pointing at its key, where the person will look. */
function valueNodeOf(pair: Pair<ParsedNode, ParsedNode>, at: ConfigLocator): ParsedNode {
  if (pair.value === null || isEmpty(pair))
    throw at.at(`"${String(isScalar(pair.key) ? pair.key.value : '')}" has no value`, pair.key)
  return pair.value
}

/** A scalar as text: a string as is, a number as written (so big integers and `1.50` stay as the person typed). */
function scalarText(node: ParsedNode): string | undefined {
  if (!isScalar(node)) return undefined
  if (typeof node.value === 'string') return node.value
  return typeof node.value === 'number' ? node.source : undefined
}

function required<K extends string>(
  fields: Map<K, Pair<ParsedNode, ParsedNode>>,
  key: K,
  owner: ParsedNode,
  where: string,
  at: ConfigLocator,
): ParsedNode {
  const pair = fields.get(key)
  if (pair === undefined) throw at.at(`${where} is missing "${key}"`, owner)
  return valueNodeOf(pair, at)
}

function choiceOf<T extends string>(node: ParsedNode, at: ConfigLocator, key: string, choices: readonly T[]): T {
  const value = isScalar(node) ? node.value : undefined
  if (typeof value === 'string' && choices.includes(value as T)) return value as T
  throw at.at(`${key} must be one of ${choices.join(', ')}; got ${describeNode(node)}`, node)
}

/**
 * A plugin section as plain values: a kind alone stays a string, a mapping becomes an object. Integers keep the
 * value their source text spells, as every other count in the file.
 */
function sectionOf(node: ParsedNode, at: ConfigLocator): SectionInput {
  return plainValueOf(node, at) as SectionInput
}

function plainValueOf(node: ParsedNode, at: ConfigLocator): unknown {
  if (isMap<ParsedNode, ParsedNode>(node)) {
    const keys = node.items.map((pair) => (isScalar(pair.key) ? pair.key.value : undefined))
    const entries = node.items.map((pair, index) => {
      const key = keys[index]
      if (typeof key !== 'string') throw at.at(`keys must be strings; got ${describeNode(pair.key)}`, pair.key)
      return [key, valueNodeOrNull(pair, at)]
    })
    return Object.fromEntries(entries)
  }
  if (isSeq<ParsedNode>(node)) return node.items.map((item) => plainValueOf(item, at))
  if (isScalar(node) && typeof node.value === 'number' && /^[0-9]+$/.test(node.source ?? '')) return Number(node.source)
  return isScalar(node) ? node.value : undefined
}

function valueNodeOrNull(pair: Pair<ParsedNode, ParsedNode>, at: ConfigLocator): unknown {
  return pair.value === null ? null : plainValueOf(pair.value, at)
}

/** Integers are read from the source text: `5000.0` or `5e3` are not what a person means by a count. */
function nonNegativeIntegerOf(node: ParsedNode, at: ConfigLocator, key: string): number {
  if (isScalar(node) && node.source === '0') return 0
  return positiveIntegerOf(node, at, key)
}

function positiveIntegerOf(node: ParsedNode, at: ConfigLocator, key: string): number {
  const source = isScalar(node) && typeof node.value === 'number' ? node.source : undefined
  const value = source !== undefined && /^[0-9]+$/.test(source) ? Number(source) : NaN
  if (Number.isSafeInteger(value) && value >= 1) return value
  throw at.at(`${key} must be a positive integer; got ${describeNode(node)}`, node)
}

function rateOf(node: ParsedNode, at: ConfigLocator, key: string): number {
  if (isScalar(node) && typeof node.value === 'number' && node.value >= 0 && node.value < 0.5) return node.value
  throw at.at(`${key} must be a number in [0, 0.5); got ${describeNode(node)}`, node)
}

/** Exact as bigint: a YAML integer past 2^53 becomes an inexact JS number, so read its source text instead. */
function domainSizeOf(node: ParsedNode, at: ConfigLocator, key: string): bigint {
  const text = scalarText(node)
  try {
    if (text === undefined)
      throw new InvalidArgumentError(`${key} must be a decimal integer; got ${describeNode(node)}`)
    const size = parseUint64(text, key)
    if (size < 1n) throw new InvalidArgumentError(`${key} must be at least 1`)
    return size
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw at.at(error.message, node)
    throw error
  }
}

function failSilentOf(node: ParsedNode, at: ConfigLocator): FailSilentEvent[] {
  if (!isSeq<ParsedNode>(node))
    throw at.at(`failSilent must be a list of { node, token, after }; got ${describeNode(node)}`, node)
  return node.items.map((item) => {
    if (!isMap<ParsedNode, ParsedNode>(item)) {
      throw at.at(`each failSilent entry must be a mapping { node, token, after }; got ${describeNode(item)}`, item)
    }
    const fields = fieldsOf(item.items, ['node', 'token', 'after'], 'a failSilent entry', at)
    const node = accessPointOf(required(fields, 'node', item, 'failSilent entry', at), 'failSilent node', at)
    const token = tokenIdOf(required(fields, 'token', item, 'failSilent entry', at), at)
    const afterMs = durationOf(required(fields, 'after', item, 'failSilent entry', at), at)
    return { node, token, afterMs }
  })
}

/** The TLS files, each read and checked (pointing at its own line), then checked against each other. */
function securityOf(node: ParsedNode, at: ConfigLocator): SecuritySettings {
  const example = '{ ca: ca.pem, cert: node.pem, key: node-key.pem, clientCerts: optional }'
  if (!isMap<ParsedNode, ParsedNode>(node))
    throw at.at(`security must be a mapping ${example}; got ${describeNode(node)}`, node)
  const fields = fieldsOf(node.items, ['ca', 'cert', 'key', 'clientCerts'], 'security', at)
  const path = (kind: PemKind): string => {
    const value = required(fields, kind, node, 'security', at)
    if (!isScalar(value) || typeof value.value !== 'string' || value.value === '') {
      throw at.at(`security ${kind} must be a file path; got ${describeNode(value)}`, value)
    }
    const full = resolve(dirname(at.file), value.value)
    try {
      readPem(full, kind)
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw at.at(error.message, value)
      throw error
    }
    return full
  }
  const paths = { ca: path('ca'), cert: path('cert'), key: path('key') }
  const choice = fields.get('clientCerts')
  const clientCerts =
    choice === undefined
      ? 'optional'
      : choiceOf(valueNodeOf(choice, at), at, 'security clientCerts', ['optional', 'required'] as const)
  try {
    loadTlsFiles(paths)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw at.at(error.message, node)
    throw error
  }
  return { ...paths, clientCerts }
}

function durationOf(node: ParsedNode, at: ConfigLocator): number {
  const text = scalarText(node)
  if (text === undefined) throw at.at(`after must be a duration such as 5s or 1500ms; got ${describeNode(node)}`, node)
  try {
    return parseDuration(text)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw at.at(error.message, node)
    throw error
  }
}

const DURATION = /^([0-9]+)(?:\.([0-9]+))?(ms|s|m)?$/
const UNIT_MS = { ms: 1n, s: 1_000n, m: 60_000n } as const

/**
 * Milliseconds in `text`: `250ms`, `5s`, `1.5s`, `2m`, or a plain whole number of milliseconds. Computed in
 * exact decimal (1.1s is 1100, not 1100.0000000000002); a result that is not a whole millisecond is rejected.
 */
export function parseDuration(text: string): number {
  const bad = (why: string): InvalidArgumentError => new InvalidArgumentError(`invalid duration "${text}": ${why}`)
  const match = DURATION.exec(text.trim())
  if (match === null || (match[2] !== undefined && match[3] === undefined)) {
    throw bad('use e.g. 250ms, 5s, 1.5s, 2m, or a whole number of milliseconds')
  }
  const [, whole = '', fraction = '', unit = 'ms'] = match
  const scaled = BigInt(whole + fraction) * UNIT_MS[unit as keyof typeof UNIT_MS]
  const divisor = 10n ** BigInt(fraction.length)
  if (scaled % divisor !== 0n) throw bad('not a whole number of milliseconds')
  const ms = scaled / divisor
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('too long')
  return Number(ms)
}
