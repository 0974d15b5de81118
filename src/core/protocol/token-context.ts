import type { Outbox, PhaseEnd } from './outbox.js'
import type { NodeId } from './messages.js'
import type { QuorumRound } from './quorum-round.js'
import type { Versioned } from './replica-state.js'
import type { Timestamp } from './timestamp.js'
import type { TraceContext } from './trace-context.js'

export type RoundPhase = 'learn' | 'write' | 'query' | 'impose'

/**
 * The operation a round belongs to. `trace`: set when the operation is recorded; the round's messages then carry
 * its span. `deadlineMs`: when the operation gives up; a round resends to silent replicas soon enough to matter
 * before it (see QuorumRound.armResend). Rounds that outlive any one operation (a shared write-back) have none.
 */
export interface RoundOwner {
  readonly trace?: TraceContext | undefined
  readonly deadlineMs?: number
}

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
  /** The time of the step being processed. */
  nowMs(): number
  /** Why this node's copy did not vote, for error messages: '' when it is ready, else how far its recovery got. */
  recoveryNote(): string
  nextJobId(): number
  /** Reports a round that reached its quorum (an observation for metrics, and a span when it is recorded). */
  roundDone(round: QuorumRound, phase: RoundPhase, out: Outbox): void
  /** Reports a recorded round that ended without its quorum (nothing when the round is not recorded). */
  roundEnded(round: QuorumRound, phase: RoundPhase, end: PhaseEnd, out: Outbox): void
  /**
   * Queries every replica; the local replica (if any) answers in place, so the round may already be complete.
   * `owner`: the operation the round belongs to (see RoundOwner).
   */
  startQuery(needed: number, out: Outbox, owner?: RoundOwner): QuorumRound
  /**
   * Stores `state` on every replica; the local one applies it in place. The round also waits for each replica in
   * `must` until its time (see QuorumRound). `owner` as for startQuery.
   */
  startStore(
    needed: number,
    state: Versioned,
    out: Outbox,
    must?: ReadonlyMap<NodeId, number>,
    owner?: RoundOwner,
  ): QuorumRound
  /**
   * This node's replica just recovered: it joins a round it started while recovering, as it would have at the
   * start (taking `stored` first, for a store round). Returns whether the round is now complete.
   */
  joinRecovered(round: QuorumRound, out: Outbox, stored?: Versioned): boolean
  /** The newest version this node knows every read-lease holder has (see README, read leases). */
  readonly committed: Timestamp
  noteCommitted(ts: Timestamp): void
  /** The local state when this node may answer a read from it alone (a valid lease, a committed version). */
  localRead(out: Outbox): Versioned | undefined
  /** Whether this token runs read leases (then committed watermarks matter to reads). */
  readonly leasing: boolean
  /**
   * What a read imposing a version nobody knows committed must wait for (leasing only): every other replica, or one
   * lease's time (any lease granted before that version existed has then ended).
   */
  writeBackMust(): ReadonlyMap<NodeId, number>
  /** Writer only: the readers that may hold a lease, and until when. */
  leaseHolders(): ReadonlyMap<NodeId, number> | undefined
  /** Writer only: a store of its reached its quorum and every holder: it is committed; holders hear of it. */
  writerCommitted(ts: Timestamp, out: Outbox): void
}
