import type { Argmin } from '../token/argmin.js'
import type { RegisterValue } from '../token/token-value.js'
import type { Envelope, NodeId } from './messages.js'
import type { Completion } from './operations.js'
import type { RoundReply } from './quorum-round.js'
import type { Timestamp } from './timestamp.js'
import type { PhaseSpan } from './trace-context.js'

/** Work for the hasher: the argmin of H(name, x) over [low, high). */
export interface HashJob {
  readonly jobId: number
  readonly token: string
  readonly name: string
  readonly low: bigint
  readonly high: bigint
}

/**
 * learn, write, query, impose: quorum rounds. local: a read answered from the node's own copy under a read lease.
 * hash: a hash job of a recorded operation. lease: a recorded read that found no lease to answer locally with.
 * serve: this replica's part in another node's recorded round (a query or store it answered).
 */
export type PhaseName = 'learn' | 'write' | 'query' | 'impose' | 'local' | 'hash' | 'lease' | 'serve'

/**
 * Why a phase ended. quorum: enough replicas answered; lease-held: answered locally under a lease; no-lease: no
 * lease to answer with; hashed / failed: the hash job's end; deadline, cancelled: the operation's; superseded: a
 * new round replaced it (a fenced store sent again under a new epoch); answered / held / fenced: a replica's answer.
 */
export type PhaseEnd =
  | 'quorum'
  | 'lease-held'
  | 'no-lease'
  | 'hashed'
  | 'failed'
  | 'deadline'
  | 'cancelled'
  | 'superseded'
  | 'answered'
  | 'held'
  | 'fenced'

/**
 * A quorum round that reached its quorum, or a read answered from the node's own copy under a read lease
 * ('local'): what metrics count.
 */
export interface RoundEvent {
  readonly token: string
  readonly phase: 'learn' | 'write' | 'query' | 'impose' | 'local'
  readonly durationMs: number
}

/**
 * One phase of an operation, as it happened (node clock): every round that reached its quorum and every local
 * read (metrics count those), and every phase of a recorded operation (`span` set), however it ended. A round's
 * `asked` and `replies` are the round's own arrays, not copies: the event costs one object, as it did before traces.
 */
export interface PhaseEvent {
  readonly token: string
  readonly phase: PhaseName
  readonly startMs: number
  readonly durationMs: number
  readonly end: PhaseEnd
  /** The replicas the round asked (every replica of the token). */
  readonly asked?: readonly NodeId[]
  /** Who answered, with which version, when (node clock), in arrival order. */
  readonly replies?: readonly RoundReply[]
  /** Set when the operation is recorded. */
  readonly span?: PhaseSpan
  /** A short sentence for the trace: what a replica did, how many values a job hashed. */
  readonly detail?: string
}

/** A replica's new durable state for one token. */
export interface PersistEntry {
  readonly token: string
  readonly ts: Timestamp
  readonly value: RegisterValue
}

/**
 * What one step of the state machine asks its driver to do, in this order: hand `persists` to the store and send
 * `earlySends` at once; once the persists are durable, send `sends`, deliver `completions`, start `hashJobs` and
 * stop `hashCancels` (none of them, if the save fails). Acks and completions therefore never overtake the state
 * they acknowledge.
 */
export class Outbox {
  readonly persists: PersistEntry[] = []
  /**
   * The writer's store requests: sent at once, while the writer's own copy is being saved, as a Raft leader
   * appends to its log in parallel with its followers. A store asks; it acknowledges nothing, and an answer or a
   * completion about the token still waits for the save. The writer's disk may therefore miss a version it sent:
   * a restarted writer learns the newest version from a read quorum before its first write, and surveys every
   * replica before it grants a read lease (LeaseTiming.survey), so it needs no version of its own disk.
   */
  readonly earlySends: Envelope[] = []
  readonly sends: Envelope[] = []
  readonly completions: Completion[] = []
  readonly hashJobs: HashJob[] = []
  readonly hashCancels: number[] = []
  /** Observations only, for metrics and traces: nothing to do for them but report. */
  readonly phases: PhaseEvent[] = []

  isEmpty(): boolean {
    return (
      this.persists.length === 0 &&
      this.earlySends.length === 0 &&
      this.sends.length === 0 &&
      this.completions.length === 0 &&
      this.hashJobs.length === 0 &&
      this.hashCancels.length === 0
    )
  }
}

export type HashResult = Argmin | undefined

/** Whether metrics count this phase: a round that reached its quorum, or a local read. */
export function isCountedRound(event: PhaseEvent): event is PhaseEvent & RoundEvent {
  return event.end === 'quorum' || event.end === 'lease-held'
}
