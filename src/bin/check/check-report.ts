import { terminalText } from '../../plugins/grpc/log-text.js'
import type { Counterexample } from '../../core/checker/counterexample.js'
import type { HistoryOperation } from '../../core/checker/history.js'
import type { CheckReport, TokenReport } from '../../core/checker/linearizability-checker.js'

/** tm-check exit codes: 0 all linearizable, 1 a violation, 2 no verdict (timeout, usage, unreadable history). */
export const CheckExit = { linearizable: 0, violation: 1, error: 2 } as const

export function exitCodeOf(report: CheckReport): number {
  if (report.verdict === 'violation') return CheckExit.violation
  return report.verdict === 'linearizable' ? CheckExit.linearizable : CheckExit.error
}

/** Record ids by operation id, to name operations as the history file does. */
export type RecordIds = ReadonlyMap<number, string>

/** One line per token; a violation is followed by its counterexample, indented. */
export function formatText(report: CheckReport, ids: RecordIds): string {
  const lines: string[] = []
  for (const token of report.tokens) {
    lines.push(`token ${tokenName(token.token)}: ${verdictText(token)}`)
    if (token.counterexample !== undefined) lines.push(...counterexampleLines(token.counterexample, ids))
  }
  return `${lines.join('\n')}\n`
}

function verdictText(token: TokenReport): string {
  switch (token.verdict) {
    case 'linearizable':
      return `linearizable (${operations(token.operations)})`
    case 'violation':
      return 'NOT linearizable'
    case 'timeout':
      return `no verdict, the check timed out (${operations(token.operations)})`
  }
}

export function operations(count: number): string {
  return `${count} operation${count === 1 ? '' : 's'}`
}

/** The checker's message, plus the record ids of the operations it names (`#N` is the invoke's line number). */
function counterexampleLines(counterexample: Counterexample, ids: RecordIds): string[] {
  const named = involved(counterexample).map((o) => `#${o.id}=${terminalText(ids.get(o.id) ?? '?')}`)
  return [
    ...counterexample.message.split('\n'),
    `(#N is the line of the operation's invoke record; ids: ${named.join(', ')})`,
  ].map((line) => `  ${line}`)
}

/** The operations a counterexample shows: its window's linearized tail, the concurrent ones, and the blocked one. */
export function involved(counterexample: Counterexample): readonly HistoryOperation[] {
  return [...counterexample.linearized, ...counterexample.concurrent, counterexample.blocked]
}

/** Token ids are plain (letters, digits, `._:-`); anything else from a hand-made file is quoted. */
function tokenName(token: string): string {
  return /^[\w.:-]+$/.test(token) ? token : JSON.stringify(token)
}

/** The whole report as one JSON object: operations named by record id, with their line numbers. */
export function formatJson(report: CheckReport, ids: RecordIds): string {
  const tokens = report.tokens.map((token) => ({
    token: token.token,
    verdict: token.verdict,
    operations: token.operations,
    elapsed_ms: Math.round(token.elapsedMs),
    ...(token.counterexample === undefined ? {} : { counterexample: counterexampleJson(token.counterexample, ids) }),
  }))
  return `${JSON.stringify({ verdict: report.verdict, elapsed_ms: Math.round(report.elapsedMs), tokens })}\n`
}

function counterexampleJson(c: Counterexample, ids: RecordIds): object {
  const ref = (o: HistoryOperation): object => ({ id: ids.get(o.id) ?? null, line: o.id })
  return {
    message: c.message,
    blocked: ref(c.blocked),
    prefix_length: c.prefixLength,
    linearized: c.linearized.map(ref),
    concurrent: c.concurrent.map(ref),
  }
}
