import type { HistoryOperation } from '../../core/checker/history.js'
import type { CheckReport, Verdict } from '../../core/checker/linearizability-checker.js'
import type { TokenLiveness } from './final-phase.js'
import type { FinalRead, LostWrites } from './lost-writes.js'
import type { FaultKind, Nemesis } from './nemesis.js'

export interface ChaosResult {
  readonly seed: number
  readonly durationMs: number
  readonly nodes: number
  readonly tokens: number
  readonly clients: number
  readonly operations: {
    readonly total: number
    readonly ok: number
    readonly failed: number
    readonly unknown: number
  }
  readonly faults: Record<FaultKind, number>
  /** Faults injected although some token lost its live majority. */
  readonly beyondQuorum: number
  readonly nemesisErrors: readonly string[]
  readonly ackedWrites: number
  readonly lostWrites: readonly { token: string; expected: string; version: string }[]
  /** Tokens whose writes could not be judged (no final read). */
  readonly unjudgedTokens: readonly string[]
  readonly livenessFailures: readonly TokenLiveness[]
  readonly finalReadFailures: readonly string[]
  readonly verdict: Verdict
  readonly tokenVerdicts: readonly { token: string; verdict: Verdict; operations: number; counterexample?: string }[]
  readonly passed: boolean
  /** 0 passed; 1 a violation, a lost write or a liveness failure; 2 no verdict (the check timed out). */
  readonly exitCode: number
  readonly outDir: string
}

export interface RunOutcome {
  readonly options: { durationMs: number; seed: number; nodes: number; tokens: number; clients: number }
  readonly operations: readonly HistoryOperation[]
  readonly report: CheckReport
  readonly lost: LostWrites
  readonly liveness: readonly TokenLiveness[]
  /** The final read of each token, or the token's id when it could not be read. */
  readonly finals: readonly (FinalRead | string)[]
  readonly nemesis: Nemesis
  readonly outDir: string
}

export function summarize(outcome: RunOutcome): ChaosResult {
  const { options, operations, report, lost } = outcome
  const count = (kind: HistoryOperation['completion']['kind']) =>
    operations.filter((o) => o.completion.kind === kind).length
  const livenessFailures = outcome.liveness.filter((l) => !l.ok)
  const finalReadFailures = outcome.finals.filter((f): f is string => typeof f === 'string')
  const broken =
    report.verdict === 'violation' ||
    lost.lost.length > 0 ||
    lost.unjudged.length > 0 ||
    livenessFailures.length > 0 ||
    finalReadFailures.length > 0
  const exitCode = broken ? 1 : report.verdict === 'timeout' ? 2 : 0
  return {
    seed: options.seed,
    durationMs: options.durationMs,
    nodes: options.nodes,
    tokens: options.tokens,
    clients: options.clients,
    operations: { total: operations.length, ok: count('ok'), failed: count('failed'), unknown: count('unknown') },
    faults: { ...outcome.nemesis.faults },
    beyondQuorum: outcome.nemesis.overQuorum,
    nemesisErrors: outcome.nemesis.errors,
    ackedWrites: lost.acked,
    lostWrites: lost.lost.map((w) => ({
      token: w.token,
      expected: JSON.stringify(w.expected),
      version: `${w.version.seq}.${w.version.epoch}`,
    })),
    unjudgedTokens: lost.unjudged,
    livenessFailures,
    finalReadFailures,
    verdict: report.verdict,
    tokenVerdicts: report.tokens.map((t) => ({
      token: t.token,
      verdict: t.verdict,
      operations: t.operations,
      ...(t.counterexample === undefined ? {} : { counterexample: t.counterexample.message }),
    })),
    passed: exitCode === 0,
    exitCode,
    outDir: outcome.outDir,
  }
}

/** The one summary line: operations, faults by kind, lost writes, liveness and the verdicts per token. */
export function summaryLine(r: ChaosResult): string {
  const faults = Object.entries(r.faults)
    .map(([kind, n]) => `${kind}=${n}`)
    .join(' ')
  const linearizable = r.tokenVerdicts.filter((t) => t.verdict === 'linearizable').length
  const violations = r.tokenVerdicts.filter((t) => t.verdict === 'violation').map((t) => t.token)
  const timeouts = r.tokenVerdicts.filter((t) => t.verdict === 'timeout').map((t) => t.token)
  return [
    `chaos seed=${r.seed} ${r.durationMs / 1000}s: ${r.nodes} nodes, ${r.tokens} tokens, ${r.clients} clients;`,
    `${r.operations.total} ops (ok ${r.operations.ok}, failed ${r.operations.failed}, unknown ${r.operations.unknown});`,
    `faults ${faults} (${r.beyondQuorum} beyond quorum);`,
    `lost acked writes ${r.lostWrites.length} of ${r.ackedWrites}${r.unjudgedTokens.length > 0 ? ` (unjudged: ${r.unjudgedTokens.join(',')})` : ''};`,
    `live after heal ${r.tokens - r.livenessFailures.length}/${r.tokens}, final reads ${r.tokens - r.finalReadFailures.length}/${r.tokens};`,
    `linearizable ${linearizable}/${r.tokenVerdicts.length}${violations.length > 0 ? `, VIOLATION ${violations.join(',')}` : ''}` +
      `${timeouts.length > 0 ? `, no verdict ${timeouts.join(',')}` : ''}`,
    `-> ${r.passed ? 'PASS' : r.exitCode === 2 ? 'NO VERDICT' : 'FAIL'}`,
  ].join(' ')
}

/** What went wrong, for a human: counterexamples, lost writes, liveness failures (empty when passed). */
export function failureDetails(r: ChaosResult): string[] {
  return [
    ...r.tokenVerdicts.flatMap((t) => (t.counterexample === undefined ? [] : [t.counterexample])),
    ...r.lostWrites
      .slice(0, 20)
      .map((w) => `lost acknowledged write on token ${w.token}: ${w.expected} at version ${w.version}`),
    ...r.livenessFailures.map((l) => `token ${l.token} not live after heal (${l.elapsedMs} ms): ${l.error ?? ''}`),
    ...r.finalReadFailures.map((t) => `token ${t}: no final read within the bound`),
  ]
}
