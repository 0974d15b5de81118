import { returnMsOf } from './history.js'
import type { HistoryOperation, RegisterOp, RegisterResult } from './history.js'
import { describeRegisterState, INITIAL_REGISTER_STATE, stepRegister } from './register-model.js'
import type { RegisterState } from './register-model.js'

/** Lines of operations shown per section of the message; the arrays themselves are never cut. */
const MAX_LISTED = 24

/**
 * Why a token's history is not linearizable, around the failure only: `blocked` could not be linearized before
 * it returned, after the longest linearizable prefix found. Of that prefix, only the tail inside the failure window
 * (operations overlapping the interval from the last return preceding `blocked` to its own return) is listed, the
 * rest summarized by the state it leaves.
 */
export interface Counterexample {
  readonly token: string
  /** The first operation that could not be linearized: its result has no explanation in any order. */
  readonly blocked: HistoryOperation
  /** Length of the longest linearizable prefix found (in operations, of `operations` checked). */
  readonly prefixLength: number
  /** The register state reached by the prefix before `linearized`. */
  readonly stateBefore: RegisterState
  /** The prefix's tail inside the failure window, in linearization order. */
  readonly linearized: readonly HistoryOperation[]
  /** Window operations that the prefix had not linearized (other than `blocked`), by invocation time. */
  readonly concurrent: readonly HistoryOperation[]
  readonly message: string
}

/** Builds the counterexample from the search's longest prefix (op indices into `operations`) and blocked op. */
export function buildCounterexample(
  token: string,
  operations: readonly HistoryOperation[],
  prefix: readonly number[],
  blockedIndex: number,
): Counterexample {
  const blocked = operations[blockedIndex]!
  const inWindow = failureWindow(operations, blocked)
  let tailStart = prefix.length
  while (tailStart > 0 && inWindow(operations[prefix[tailStart - 1]!]!)) tailStart--
  const stateBefore = replay(prefix.slice(0, tailStart).map((i) => operations[i]!))
  const linearized = prefix.slice(tailStart).map((i) => operations[i]!)
  const inPrefix = new Set(prefix)
  const concurrent = operations
    .filter((o, i) => i !== blockedIndex && !inPrefix.has(i) && inWindow(o))
    .sort((a, b) => a.invokeMs - b.invokeMs)
  const counterexample = { token, blocked, prefixLength: prefix.length, stateBefore, linearized, concurrent }
  return { ...counterexample, message: describe(counterexample, operations.length) }
}

/** Operations overlapping [last return before `blocked` was invoked, `blocked`'s return]. */
function failureWindow(
  operations: readonly HistoryOperation[],
  blocked: HistoryOperation,
): (o: HistoryOperation) => boolean {
  let fromMs = Number.NEGATIVE_INFINITY
  for (const o of operations) {
    const returnMs = returnMsOf(o)
    if (returnMs < blocked.invokeMs && returnMs > fromMs) fromMs = returnMs
  }
  const toMs = returnMsOf(blocked)
  return (o) => o.invokeMs <= toMs && returnMsOf(o) >= fromMs
}

function replay(operations: readonly HistoryOperation[]): RegisterState {
  let state = INITIAL_REGISTER_STATE
  for (const o of operations) {
    const result = o.completion.kind === 'ok' ? o.completion.result : undefined
    // The search accepted this prefix, so every step succeeds.
    state = stepRegister(state, o.op, result) ?? state
  }
  return state
}

function describe(c: Omit<Counterexample, 'message'>, operationCount: number): string {
  return [
    `token ${JSON.stringify(c.token)}: not linearizable; no order explains ${describeOperation(c.blocked)}`,
    `longest linearizable prefix found: ${c.prefixLength} of ${operationCount} operations; its tail in the failure window,` +
      ` from state ${describeRegisterState(c.stateBefore)}:`,
    ...listed(c.linearized),
    'concurrent operations not in that prefix:',
    ...listed(c.concurrent),
    `then ${describeOperation(c.blocked)} could not be linearized before it returned`,
  ].join('\n')
}

function listed(operations: readonly HistoryOperation[]): string[] {
  if (operations.length === 0) return ['  (none)']
  const lines = operations.slice(0, MAX_LISTED).map((o) => `  ${describeOperation(o)}`)
  if (operations.length > MAX_LISTED) lines.push(`  ... and ${operations.length - MAX_LISTED} more`)
  return lines
}

/** E.g. `#7 read by c2 [50, 60] ms -> value "v1"`. */
export function describeOperation(o: HistoryOperation): string {
  const returned = o.completion.kind === 'unknown' ? '?' : String(o.completion.returnMs)
  const outcome =
    o.completion.kind === 'ok'
      ? describeResult(o.completion.result)
      : o.completion.kind === 'unknown'
        ? 'unknown outcome'
        : `failed (${o.completion.error})`
  return `#${o.id} ${describeOp(o.op)} by ${o.client} [${o.invokeMs}, ${returned}] ms -> ${outcome}`
}

function describeOp(op: RegisterOp): string {
  return op.kind === 'write' ? `write(${JSON.stringify(op.value)})` : op.kind
}

function describeResult(result: RegisterResult): string {
  return result.kind === 'value' ? `value ${JSON.stringify(result.value)}` : result.kind
}
