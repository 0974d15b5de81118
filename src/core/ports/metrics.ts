import type { RoundEvent } from '../protocol/outbox.js'
import type { SyncEvent } from './persistence.js'

export type OperationType = 'write' | 'read' | 'create' | 'drop'

/** Point-in-time values a metrics exporter reads when scraped. */
export interface NodeGauges {
  readonly parkedRequests: number
  readonly pendingOperations: number
  readonly silentTokens: number
  /** Tokens whose replica on this node is recovering its state (see ReplicaRecovery): no vote until it has. */
  readonly recoveringTokens: number
  readonly ignoredReplies: number
}

/**
 * Observations from a running node. Every method is a cheap, synchronous record that never throws and never
 * blocks: the driver calls them on its hot path.
 */
export interface Metrics {
  /** An operation answered at this node: `outcome` is 'ok' or an error code. */
  operationDone(type: OperationType, token: string, outcome: string, durationMs: number): void
  /** A quorum round reached its quorum after `durationMs`. */
  roundDone(event: RoundEvent): void
  /** A hash job finished: `values` hashes in `durationMs`. */
  hashed(values: number, durationMs: number): void
  /** A durable store synced one group of saves (see Persistence.observe). */
  synced(event: SyncEvent): void
  /** Lets an exporter read the node's gauges at scrape time. */
  watch(gauges: () => NodeGauges): void
}

export const Metrics = Symbol('Metrics')

/** Records nothing: the default when no metrics exporter is configured. */
export const NO_METRICS: Metrics = Object.freeze({
  operationDone: () => {},
  roundDone: () => {},
  hashed: () => {},
  synced: () => {},
  watch: () => {},
})
