import type { Outbox } from './outbox.js'
import type { NodeId } from './messages.js'
import type { QuorumRound } from './quorum-round.js'
import type { Versioned } from './replica-state.js'

/**
 * What a token's coordinators (writer pipeline, read coordinator) share: identity, quorums, rounds, ids.
 * Rounds belong to the coordinators: once a coordinator drops a round, its late replies match nothing.
 */
export interface TokenContext {
  readonly token: string
  readonly self: NodeId
  readonly replicas: readonly NodeId[]
  readonly readQuorum: number
  readonly writeQuorum: number
  nextJobId(): number
  /** Reports a round that reached its quorum (an observation for metrics). */
  roundDone(round: QuorumRound, phase: 'learn' | 'write' | 'query' | 'impose', out: Outbox): void
  /** Queries every replica; the local replica (if any) answers in place, so the round may already be complete. */
  startQuery(needed: number, out: Outbox): QuorumRound
  /** Stores `state` on every replica; the local one applies it in place. */
  startStore(needed: number, state: Versioned, out: Outbox): QuorumRound
}
