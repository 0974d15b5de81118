import type { HistoryOperation, RegisterResult } from './history.js'

/**
 * The register model over small integers, for the search's hot loop (it must agree with `stepRegister`; a test
 * checks that exhaustively). State 0 is absent; live states are interned per token by `StateInterner`.
 */
export const ABSENT_STATE = 0
/** Every live state that no read of the history observes: such states are indistinguishable to the checker. */
export const UNOBSERVED_STATE = 1

export const WRITE = 0
export const CREATE = 1
export const DROP = 2
export const READ = 3

/** Outcome of write / create / drop: the `ok` result, the refusal (not-found / already-exists), or unknown. */
export const OUTCOME_OK = 0
export const OUTCOME_REFUSED = 1
export const OUTCOME_ANY = 2

/** An encoded operation: `arg` is the state a write or create sets, or the state a read observed (-1: any). */
export interface EncodedOp {
  readonly kind: number
  readonly arg: number
  readonly outcome: number
}

/**
 * Interns one token's states. Live states differ to the model only through the reads that observe them (writes,
 * creates and drops only care whether the token is live), so all the live states no read observes (values never
 * read, `empty` if never read) are merged into `UNOBSERVED_STATE`: a bisimulation that makes the configurations
 * reached through different unobserved writes coincide, and such writes identity steps once the state is
 * unobserved, which the search then linearizes without branching.
 */
export class StateInterner {
  private readonly ids = new Map<string, number>()

  constructor(operations: readonly HistoryOperation[]) {
    for (const { op, completion } of operations) {
      if (op.kind === 'read' && completion.kind === 'ok' && completion.result.kind !== 'not-found') {
        const key = liveKey(completion.result)
        if (!this.ids.has(key)) this.ids.set(key, this.ids.size + 2)
      }
    }
  }

  get count(): number {
    return this.ids.size + 2
  }

  get emptyState(): number {
    return this.ids.get('empty') ?? UNOBSERVED_STATE
  }

  valueState(value: string): number {
    return this.ids.get(liveKey({ kind: 'value', value })) ?? UNOBSERVED_STATE
  }

  /** The state a read result observes. */
  observedState(result: RegisterResult): number {
    return result.kind === 'not-found' ? ABSENT_STATE : (this.ids.get(liveKey(result)) ?? UNOBSERVED_STATE)
  }
}

/** Encodes a non-failed operation. */
export function encodeOperation(operation: HistoryOperation, states: StateInterner): EncodedOp {
  const { op, completion } = operation
  const result = completion.kind === 'ok' ? completion.result : undefined
  switch (op.kind) {
    case 'write':
      return { kind: WRITE, arg: states.valueState(op.value), outcome: outcomeOf(result) }
    case 'create':
      return { kind: CREATE, arg: states.emptyState, outcome: outcomeOf(result) }
    case 'drop':
      return { kind: DROP, arg: 0, outcome: outcomeOf(result) }
    case 'read':
      return result === undefined
        ? { kind: READ, arg: -1, outcome: OUTCOME_ANY }
        : { kind: READ, arg: states.observedState(result), outcome: OUTCOME_OK }
  }
}

/** The state after the encoded operation from `state`, or -1 when its recorded result is impossible there. */
export function stepInterned(kind: number, arg: number, outcome: number, state: number): number {
  const absent = state === ABSENT_STATE
  switch (kind) {
    case WRITE:
      return absent ? (outcome === OUTCOME_OK ? -1 : state) : outcome === OUTCOME_REFUSED ? -1 : arg
    case CREATE:
      return absent ? (outcome === OUTCOME_REFUSED ? -1 : arg) : outcome === OUTCOME_OK ? -1 : state
    case DROP:
      return absent ? (outcome === OUTCOME_OK ? -1 : state) : outcome === OUTCOME_REFUSED ? -1 : ABSENT_STATE
    default:
      return arg === -1 || arg === state ? state : -1
  }
}

function liveKey(result: RegisterResult): string {
  return result.kind === 'value' ? `value:${result.value}` : result.kind
}

function outcomeOf(result: RegisterResult | undefined): number {
  if (result === undefined) return OUTCOME_ANY
  return result.kind === 'ok' ? OUTCOME_OK : OUTCOME_REFUSED
}
