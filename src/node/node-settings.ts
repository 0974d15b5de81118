import { InvalidArgumentError } from '../core/errors.js'
import { DEFAULT_MAX_DOMAIN_SIZE } from '../core/token/token-value.js'

export type QuorumSettings =
  | { readonly kind: 'majority' }
  | { readonly kind: 'all' }
  | { readonly kind: 'flexible'; readonly read: number; readonly write: number }

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

/** Everything that tunes a node, with plugin choices by name; defaults in DEFAULT_SETTINGS. */
export interface NodeSettings {
  readonly quorum: QuorumSettings
  readonly transport: 'grpc' | 'in-process'
  readonly persistence: { readonly kind: 'memory' } | { readonly kind: 'durable'; readonly dataDir: string }
  /** `worker-pool` hashes on other threads (production); `inline` on the event loop (deterministic: simulations). */
  readonly hasher: 'inline' | 'worker-pool'
  /** Worker-pool threads; 0 means one per core. */
  readonly hashThreads: number
  /** Worker-pool chunk size in values: a job waits at most one chunk for a free thread. */
  readonly hashChunkValues: number
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

const DEFAULTS: NodeSettings = {
  quorum: { kind: 'majority' },
  transport: 'grpc',
  persistence: { kind: 'memory' },
  hasher: 'worker-pool',
  hashThreads: 0,
  hashChunkValues: 1 << 18,
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
export const DEFAULT_SETTINGS: NodeSettings = Object.freeze(DEFAULTS)

/** Fills defaults and rejects values no node could run with. */
export function resolveSettings(partial: Partial<NodeSettings>): NodeSettings {
  const settings = { ...DEFAULT_SETTINGS, ...partial }
  const positive = (value: number, field: string): void => {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidArgumentError(`${field} must be a positive integer, got ${value}`)
  }
  positive(settings.operationTimeoutMs, 'operationTimeoutMs')
  positive(settings.maxQueuedWrites, 'maxQueuedWrites')
  positive(settings.maxConcurrentReads, 'maxConcurrentReads')
  positive(settings.maxParked, 'maxParked')
  positive(settings.hashChunkValues, 'hashChunkValues')
  if (!Number.isInteger(settings.hashThreads) || settings.hashThreads < 0) {
    throw new InvalidArgumentError(
      `hashThreads must be 0 (one per core) or a positive integer, got ${settings.hashThreads}`,
    )
  }
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
