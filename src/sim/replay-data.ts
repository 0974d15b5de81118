/**
 * A recorded simulation as the replay page reads it (the JSON in its data script). Plain data: no Map, bigint or
 * undefined, so that the same run always serializes to the same bytes.
 */

/** One node's copy of one token, as the node itself sees it. */
export interface ReplayCell {
  /** The replica's timestamp: `seq.generation` (the epoch's generation; `0.0` before any write). */
  readonly ts: string
  /** `empty`, `absent` (dropped) or the written name. */
  readonly value: string
  /** A read computed the argmin over the whole range (the value's `final`). */
  readonly final?: true
  /** Recovering its state after a restart without it: replicas answered / ready. */
  readonly recovering?: string
  /** The node went silent for this token (it answers nothing about it). */
  readonly silent?: true
  /** Client operations the node has under way on the token. */
  readonly pending?: number
}

export type ReplayEventKind =
  | 'start'
  | 'deliver'
  | 'lost'
  | 'drop'
  | 'invoke'
  | 'complete'
  | 'timer'
  | 'restart'
  | 'suspend'
  | 'resume'
  | 'end'

export interface ReplayEvent {
  readonly kind: ReplayEventKind
  readonly text: string
  /** The operation an invoke or completion belongs to. */
  readonly op?: number
  /** The node a timer, restart, suspend or resume happened at. */
  readonly node?: string
}

/** One step: one event of the simulation's queue (or a restart), and what it changed. */
export interface ReplayStep {
  readonly atMs: number
  readonly events: readonly ReplayEvent[]
  /** Cells that changed in this step, by `node|token` (all of them in step 0). */
  readonly cells: Readonly<Record<string, ReplayCell>>
}

export interface ReplayMessage {
  readonly id: number
  readonly from: string
  readonly to: string
  /** E.g. `store t0 v3 "c1-w4-a"`. */
  readonly label: string
  readonly sentStep: number
  readonly sentMs: number
  readonly dueMs: number
  /** The step it reached its node in; absent when it was still in flight where the recording stops. */
  readonly endStep?: number
}

export type ReplayOutcome = 'ok' | 'refused' | 'failed' | 'unknown' | 'cancelled'

export interface ReplayOperation {
  readonly id: number
  readonly client: string
  readonly token: string
  readonly node: string
  /** E.g. `write "c0-w3-a"` or `read`. */
  readonly label: string
  /** E.g. `value "c0-w3-a"`, `empty`, `not-found`, `failed (deadline-exceeded)`. */
  readonly result: string
  readonly outcome: ReplayOutcome
  readonly invokeMs: number
  readonly returnMs?: number
  readonly invokeStep?: number
  readonly completeStep?: number
}

export interface ReplayTokenReport {
  readonly token: string
  readonly writer: string
  readonly readers: readonly string[]
  readonly verdict: 'linearizable' | 'violation' | 'timeout'
  /** Operation ids in the order the checker found (linearizable tokens). */
  readonly linearization?: readonly number[]
  /** The operations of the token's counterexample (tokens that are not linearizable). */
  readonly counterexample?: readonly number[]
}

export interface ReplayCounterexample {
  readonly token: string
  /** The operation no order explains (the stale read, typically). */
  readonly blocked: number
  /** Every operation the counterexample names: the prefix's tail, the concurrent ones and `blocked`. */
  readonly operations: readonly number[]
  readonly message: string
  /** Where the page opens: the step that returned the unexplained result. */
  readonly step?: number
}

export interface ReplayData {
  readonly title: string
  readonly seed: number
  readonly variant?: string
  readonly summary: string
  readonly verdict: 'linearizable' | 'violation' | 'timeout'
  readonly nodes: readonly string[]
  readonly tokens: readonly ReplayTokenReport[]
  readonly steps: readonly ReplayStep[]
  readonly messages: readonly ReplayMessage[]
  readonly operations: readonly ReplayOperation[]
  readonly counterexample?: ReplayCounterexample
  /** Steps recorded at most; `truncated` when the run went on past them. */
  readonly maxSteps: number
  readonly truncated: boolean
  readonly initialStep: number
}
