import { returnMsOf } from './history.js'
import type { HistoryOperation } from './history.js'
import { encodeOperation, StateInterner, UNOBSERVED_STATE } from './interned-register.js'

/**
 * One token's history in the search's form. Operations are indexed definite ones (known result) first, then
 * unknown-outcome ones. Events are nodes: node 0 is the list head, 2i+1 the call of op i, 2i+2 its return.
 */
export interface CompiledHistory {
  readonly operations: readonly HistoryOperation[]
  readonly definiteCount: number
  /** The interned initial state (`empty`). */
  readonly initialState: number
  /** Interned states are 0 .. stateCount - 1. */
  readonly stateCount: number
  readonly kinds: Uint8Array
  readonly args: Int32Array
  readonly outcomes: Uint8Array
  /** Event nodes sorted by time; at equal times calls come first, as equal times are concurrent. */
  readonly events: Int32Array
  /** Each op's return position in `events`: a total order of returns. */
  readonly returnRanks: Int32Array
  /** 1 for a definite op when an identical one (same encoded op and result) returns before it. */
  readonly twinned: Uint8Array
}

export const callNode = (op: number): number => 2 * op + 1
export const returnNode = (op: number): number => 2 * op + 2

/**
 * Compiles one token's operations, dropping those that cannot matter: failed ones, unknown reads, and unknown
 * writes of a value no read observes (any live state simulates theirs, so linearizing them never helps).
 */
export function compileHistory(tokenOperations: readonly HistoryOperation[]): CompiledHistory {
  const states = new StateInterner(tokenOperations)
  const definite = tokenOperations.filter((o) => o.completion.kind === 'ok')
  const useful = tokenOperations.filter(
    (o) =>
      o.completion.kind === 'unknown' &&
      o.op.kind !== 'read' &&
      !(o.op.kind === 'write' && states.valueState(o.op.value) === UNOBSERVED_STATE),
  )
  const operations = [...definite, ...useful]
  const n = operations.length
  const kinds = new Uint8Array(n)
  const args = new Int32Array(n)
  const outcomes = new Uint8Array(n)
  operations.forEach((operation, i) => {
    const encoded = encodeOperation(operation, states)
    kinds[i] = encoded.kind
    args[i] = encoded.arg
    outcomes[i] = encoded.outcome
  })
  const events = sortEvents(operations)
  const returnRanks = new Int32Array(n)
  events.forEach((node, rank) => {
    if ((node & 1) === 0) returnRanks[(node - 1) >> 1] = rank
  })
  const encoded = { kinds, args, outcomes, events, returnRanks }
  const twinned = markTwins(encoded, definite.length)
  return {
    operations,
    definiteCount: definite.length,
    initialState: states.emptyState,
    stateCount: states.count,
    ...encoded,
    twinned,
  }
}

function markTwins(
  { kinds, args, outcomes, returnRanks }: Pick<CompiledHistory, 'kinds' | 'args' | 'outcomes' | 'returnRanks'>,
  definiteCount: number,
): Uint8Array {
  const twinned = new Uint8Array(kinds.length)
  const seen = new Set<string>()
  const byReturn = Array.from({ length: definiteCount }, (_, op) => op).sort(
    (a, b) => returnRanks[a]! - returnRanks[b]!,
  )
  for (const op of byReturn) {
    const key = `${kinds[op]}:${args[op]}:${outcomes[op]}`
    if (seen.has(key)) twinned[op] = 1
    seen.add(key)
  }
  return twinned
}

function sortEvents(operations: readonly HistoryOperation[]): Int32Array {
  const times = new Float64Array(2 * operations.length + 1)
  const nodes: number[] = []
  operations.forEach((operation, i) => {
    times[callNode(i)] = operation.invokeMs
    times[returnNode(i)] = returnMsOf(operation)
    nodes.push(callNode(i), returnNode(i))
  })
  // Calls (odd nodes) before returns at equal times; node order last, for determinism.
  nodes.sort((a, b) => times[a]! - times[b]! || (b & 1) - (a & 1) || a - b)
  return Int32Array.from(nodes)
}
