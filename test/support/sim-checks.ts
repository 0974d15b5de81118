import { checkLinearizability } from '../../src/core/checker/linearizability-checker.js'
import type { SimOperation, SimulationRun } from './simulation.js'

export interface Findings {
  readonly linearizability: string[]
  readonly liveness: string[]
  readonly noQuorum: string[]
  readonly finals: string[]
}

/**
 * The simulation's verdicts: (a) every token's history is linearizable; (b) an operation sent to a live node of a
 * token whose live replicas still form a quorum completes before its deadline; (c) on a token whose majority is
 * silent, no write takes effect (the writer may still refuse one from what it knows) and no read completes
 * once the leases have run out: the writer grants none without hearing from a write quorum within one lease, so
 * holders stop within two (until then their committed version is still the newest, which (a) checks).
 */
export function checkRun(run: SimulationRun, quorumNeeded: (replicas: number) => number): Findings {
  const report = checkLinearizability(run.history)
  const linearizability = report.tokens.filter((t) => t.verdict !== 'linearizable')
    .map((t) => `token ${t.token}: ${t.verdict}${t.counterexample ? `\n${t.counterexample.message}` : ''}`)
  const liveness: string[] = []
  const noQuorum: string[] = []
  for (const op of run.history) {
    const returnMs = op.completion.kind === 'unknown' ? run.endMs : op.completion.returnMs
    const replicas = run.cluster.scheme.replicasOf(op.token)
    const silentBy = (t: number) => replicas.filter((r) => (run.silences.get(`${r}|${op.token}`) ?? Infinity) <= t).length
    const contactedSilent = (run.silences.get(`${op.node}|${op.token}`) ?? Infinity) <= returnMs
    const live = replicas.length - silentBy(returnMs)
    // While replicas recover their state at start, a silent one delays the token by up to the settle time.
    const recovering = op.invokeMs < run.recoveryBoundMs && silentBy(run.recoveryBoundMs) > 0
    if (!contactedSilent && !recovering && live >= quorumNeeded(replicas.length) && op.error !== undefined && op.cancelled !== true) {
      liveness.push(`op ${op.id} ${op.op.kind} on ${op.token} at ${op.node} failed with ${op.error} although a quorum was live`)
    }
    const lostAt = run.majorityLost.get(op.token)
    const graceMs = op.op.kind === 'read' ? 2.1 * run.readLeaseMs : 0
    if (lostAt !== undefined && op.invokeMs > lostAt + graceMs && tookEffect(op)) {
      noQuorum.push(`op ${op.id} ${op.op.kind} on ${op.token} completed although its majority was silent since ${lostAt}`)
    }
  }
  return { linearizability, liveness, noQuorum, finals: run.wrongFinals }
}

function tookEffect(op: SimOperation): boolean {
  if (op.completion.kind !== 'ok') return false
  return op.op.kind === 'read' || op.completion.result.kind === 'ok'
}

export function summarize(findings: Findings): string[] {
  return [...findings.linearizability, ...findings.liveness.slice(0, 5), ...findings.noQuorum.slice(0, 5), ...findings.finals.slice(0, 5)]
}
