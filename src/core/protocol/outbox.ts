import type { Argmin } from '../token/argmin.js'
import type { RegisterValue } from '../token/token-value.js'
import type { Envelope } from './messages.js'
import type { Completion } from './operations.js'
import type { Timestamp } from './timestamp.js'

/** Work for the hasher: the argmin of H(name, x) over [low, high). */
export interface HashJob {
  readonly jobId: number
  readonly token: string
  readonly name: string
  readonly low: bigint
  readonly high: bigint
}

/**
 * A quorum round that reached its quorum: which phase and how long it waited (for metrics). 'local' is a read
 * answered from the node's own copy under a read lease, with no round at all.
 */
export interface RoundEvent {
  readonly token: string
  readonly phase: 'learn' | 'write' | 'query' | 'impose' | 'local'
  readonly durationMs: number
}

/** A replica's new durable state for one token. */
export interface PersistEntry {
  readonly token: string
  readonly ts: Timestamp
  readonly value: RegisterValue
}

/**
 * What one step of the state machine asks its driver to do, in this order: make `persists` durable, then send
 * `sends`, deliver `completions`, start `hashJobs` and stop `hashCancels`. Acks and completions therefore never
 * overtake the state they acknowledge.
 */
export class Outbox {
  readonly persists: PersistEntry[] = []
  readonly sends: Envelope[] = []
  readonly completions: Completion[] = []
  readonly hashJobs: HashJob[] = []
  readonly hashCancels: number[] = []
  /** Observations only: nothing to do for them but count. */
  readonly rounds: RoundEvent[] = []

  isEmpty(): boolean {
    return (
      this.persists.length === 0 &&
      this.sends.length === 0 &&
      this.completions.length === 0 &&
      this.hashJobs.length === 0 &&
      this.hashCancels.length === 0
    )
  }
}

export type HashResult = Argmin | undefined
