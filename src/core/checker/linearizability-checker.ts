import { compileHistory } from './compiled-history.js'
import { buildCounterexample } from './counterexample.js'
import type { Counterexample } from './counterexample.js'
import { validateHistory } from './history.js'
import type { HistoryOperation } from './history.js'
import { searchLinearization } from './wing-gong-search.js'

export type Verdict = 'linearizable' | 'violation' | 'timeout'

export interface TokenReport {
  readonly token: string
  readonly verdict: Verdict
  /** Operations checked: the token's minus those that cannot matter (failed, unknown reads, see compileHistory). */
  readonly operations: number
  readonly elapsedMs: number
  readonly counterexample?: Counterexample
  /** With `CheckOptions.linearization`, for a linearizable token: the operation ids in the order found. */
  readonly linearization?: readonly number[]
}

export interface CheckReport {
  /** `violation` if any token has one, else `timeout` if any token ran out of time, else `linearizable`. */
  readonly verdict: Verdict
  /** One report per token, in order of first appearance in the history. */
  readonly tokens: readonly TokenReport[]
  readonly elapsedMs: number
}

export interface CheckOptions {
  /** Budget for the whole check; tokens not finished within it get the `timeout` verdict. */
  readonly timeoutMs?: number
  /** Report each linearizable token's linearization (operation ids in order): for tools that show it. */
  readonly linearization?: boolean
}

const DEFAULT_TIMEOUT_MS = 60_000

/**
 * Checks that each token's history is linearizable with respect to the register model. Tokens are independent
 * registers, so by P-compositionality each is searched alone; smaller ones first, so a long one exhausting the
 * budget costs as few verdicts as possible. Throws `HistoryError` on a malformed history.
 */
export function checkLinearizability(history: readonly HistoryOperation[], options: CheckOptions = {}): CheckReport {
  const startMs = performance.now()
  const deadlineMs = startMs + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  const byToken = partitionByToken(validateHistory(history))
  const bySize = [...byToken].sort(([, a], [, b]) => a.length - b.length)
  const reports = new Map<string, TokenReport>()
  const withOrder = options.linearization === true
  for (const [token, operations] of bySize) reports.set(token, checkToken(token, operations, deadlineMs, withOrder))
  const tokens = [...byToken.keys()].map((token) => reports.get(token)!)
  return { verdict: overallVerdict(tokens), tokens, elapsedMs: performance.now() - startMs }
}

function checkToken(
  token: string,
  tokenOperations: readonly HistoryOperation[],
  deadlineMs: number,
  withOrder: boolean,
): TokenReport {
  const startMs = performance.now()
  const compiled = compileHistory(tokenOperations)
  const operations = compiled.operations.length
  if (startMs > deadlineMs) return { token, verdict: 'timeout', operations, elapsedMs: 0 }
  const result = searchLinearization(compiled, deadlineMs)
  const elapsedMs = performance.now() - startMs
  if (result.kind === 'linearizable' && withOrder) {
    const linearization = result.order.map((i) => compiled.operations[i]!.id)
    return { token, verdict: result.kind, operations, elapsedMs, linearization }
  }
  if (result.kind !== 'violation') return { token, verdict: result.kind, operations, elapsedMs }
  const counterexample = buildCounterexample(token, compiled.operations, result.prefix, result.blocked)
  return { token, verdict: 'violation', operations, elapsedMs, counterexample }
}

function partitionByToken(history: readonly HistoryOperation[]): Map<string, HistoryOperation[]> {
  const byToken = new Map<string, HistoryOperation[]>()
  for (const operation of history) {
    const list = byToken.get(operation.token)
    if (list === undefined) byToken.set(operation.token, [operation])
    else list.push(operation)
  }
  return byToken
}

function overallVerdict(tokens: readonly TokenReport[]): Verdict {
  if (tokens.some((t) => t.verdict === 'violation')) return 'violation'
  return tokens.some((t) => t.verdict === 'timeout') ? 'timeout' : 'linearizable'
}
