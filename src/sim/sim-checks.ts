import { type CheckReport, checkLinearizability } from '../core/checker/linearizability-checker.js'
import type { SimOperation, SimulationRun } from './simulation.js'

export interface Findings {
  readonly linearizability: string[]
  /**
   * Tokens whose history the checker could not decide within its budget (many operations of unknown outcome can
   * make the search exponential): no violation found, none excluded. Suites bound how many they accept.
   */
  readonly undecided: string[]
  readonly liveness: string[]
  readonly noQuorum: string[]
  readonly finals: string[]
  /** The checker's report the linearizability findings come from. */
  readonly report: CheckReport
}

/**
 * The simulation's verdicts: (a) every token's history is linearizable; (b) an operation sent to a live node of a
 * token whose live replicas still form a quorum completes before its deadline; (c) on a token whose majority is
 * silent, no write takes effect (the writer may still refuse one from what it knows) and no read completes
 * once the leases have run out: the writer grants none without hearing from a write quorum within one lease, so
 * holders stop within two (until then their committed version is still the newest, which (a) checks).
 */
/** The checker's budget per run: generous for the histories the suites make, bounded for CI. */
const CHECK_BUDGET_MS = 20_000

/** `linearization`: also report each linearizable token's order (for the replay page). */
export function checkRun(
  run: SimulationRun,
  quorumNeeded: (replicas: number) => number,
  { linearization = false } = {},
): Findings {
  const report = checkLinearizability(run.history, { timeoutMs: CHECK_BUDGET_MS, linearization })
  const undecided = report.tokens
    .filter((t) => t.verdict === 'timeout')
    .map((t) => `token ${t.token}: no verdict within ${CHECK_BUDGET_MS} ms`)
  const linearizability = report.tokens
    .filter((t) => t.verdict !== 'linearizable' && t.verdict !== 'timeout')
    .map((t) => `token ${t.token}: ${t.verdict}${t.counterexample ? `\n${t.counterexample.message}` : ''}`)
  const liveness: string[] = [...tokenLiveness(run, quorumNeeded)]
  const noQuorum: string[] = []
  for (const op of run.history) {
    // Short deadlines and restarts are held to the per-token bound (tokenLiveness), not one by one.
    if (
      op.timeoutMs < run.operationTimeoutMs ||
      disturbedByRestart(
        run,
        op.token,
        op.invokeMs,
        op.completion.kind === 'unknown' ? run.endMs : op.completion.returnMs,
      )
    ) {
      continue
    }
    const returnMs = op.completion.kind === 'unknown' ? run.endMs : op.completion.returnMs
    const replicas = run.cluster.scheme.replicasOf(op.token)
    const silentBy = (t: number) =>
      replicas.filter((r) => (run.silences.get(`${r}|${op.token}`) ?? Infinity) <= t).length
    const contactedSilent = (run.silences.get(`${op.node}|${op.token}`) ?? Infinity) <= returnMs
    const live = replicas.length - silentBy(returnMs)
    // While replicas recover their state at start, a silent one delays the token by up to the settle time; one that
    // falls silent during that first exchange (all replicas still without state) may leave a replica that cannot
    // tell a first start from a lost write: outside the fault model, so not held to liveness.
    const firstStartSilence =
      run.stillRecovering.has(op.token) &&
      replicas.some((r) => {
        const atMs = run.silences.get(`${r}|${op.token}`)
        return atMs !== undefined && atMs > 0 && atMs < run.recoveryBoundMs
      })
    const recovering = firstStartSilence || (op.invokeMs < run.recoveryBoundMs && silentBy(run.recoveryBoundMs) > 0)
    if (
      !contactedSilent &&
      !recovering &&
      live >= quorumNeeded(replicas.length) &&
      op.error !== undefined &&
      op.cancelled !== true
    ) {
      liveness.push(
        `op ${op.id} ${op.op.kind} on ${op.token} at ${op.node} failed with ${op.error} although a quorum was live`,
      )
    }
    const lostAt = run.majorityLost.get(op.token)
    const graceMs = op.op.kind === 'read' ? 2.1 * run.readLeaseMs : 0
    if (lostAt !== undefined && op.invokeMs > lostAt + graceMs && tookEffect(op)) {
      noQuorum.push(
        `op ${op.id} ${op.op.kind} on ${op.token} completed although its majority was silent since ${lostAt}`,
      )
    }
  }
  return { linearizability, undecided, liveness, noQuorum, finals: run.wrongFinals, report }
}

/** Restart times of the token's replicas. */
function restartsOf(run: SimulationRun, token: string): number[] {
  const replicas = run.cluster.scheme.replicasOf(token)
  return run.restarts.filter((r) => replicas.includes(r.node)).map((r) => r.atMs)
}

/**
 * A replica of the token restarted during the operation, or recovered within the bound before it; or one restarted
 * before it while another is silent (a replica without state and a silent one may leave too few to recover from).
 */
function disturbedByRestart(run: SimulationRun, token: string, invokeMs: number, returnMs: number): boolean {
  const restarts = restartsOf(run, token)
  if (restarts.some((atMs) => atMs <= returnMs && atMs + run.recoveryBoundMs >= invokeMs)) return true
  const silent = run.cluster.scheme.replicasOf(token).some((r) => run.silences.has(`${r}|${token}`))
  return silent && restarts.some((atMs) => atMs <= returnMs)
}

/**
 * Liveness per token, whatever the clients' deadlines: once a token with a live quorum has had no silence and no
 * restart for `boundMs` (recovery, two leases, and margin), every operation invoked on it is followed within
 * `boundMs` by one that succeeds. A token that lost a replica's state while another was silent may rightly stay
 * unavailable (too few replicas with state), so it is left out.
 */
function* tokenLiveness(run: SimulationRun, quorumNeeded: (replicas: number) => number): Generator<string> {
  const boundMs = run.recoveryBoundMs + 2 * run.readLeaseMs + run.operationTimeoutMs
  // Windows that reach past the clients' last call are cut short: they say nothing.
  const lastInvokeMs = Math.max(0, ...run.history.map((op) => op.invokeMs))
  for (const entry of run.scheme) {
    const token = entry.token
    const replicas = run.cluster.scheme.replicasOf(token)
    const silences = replicas.map((r) => run.silences.get(`${r}|${token}`)).filter((t): t is number => t !== undefined)
    const restarts = restartsOf(run, token)
    if (replicas.length - silences.length < quorumNeeded(replicas.length) || run.majorityLost.has(token)) continue
    if (restarts.length > 0 && silences.length > 0) continue
    if (run.stillRecovering.has(token) && silences.some((atMs) => atMs > 0 && atMs < run.recoveryBoundMs)) continue
    const calmFromMs = Math.max(0, ...silences, ...restarts) + boundMs
    const ops = run.history.filter((op) => op.token === token)
    const okTimes = ops
      .filter((op) => op.completion.kind === 'ok')
      .map((op) => (op.completion as { returnMs: number }).returnMs)
    for (const op of ops) {
      const silentCoordinator = run.silences.has(`${op.node}|${token}`)
      // Operations with the full deadline and no restart around them are held to it one by one (checkRun).
      const heldOneByOne = op.timeoutMs >= run.operationTimeoutMs && restarts.length === 0
      if (
        heldOneByOne ||
        op.cancelled === true ||
        op.invokeMs < calmFromMs ||
        silentCoordinator ||
        op.invokeMs + boundMs > lastInvokeMs
      )
        continue
      // Stuck: nothing succeeded in the window although clients kept asking live coordinators (a lone operation
      // with a deadline too short for the network is no evidence).
      const asked = ops.filter(
        (o) =>
          o.invokeMs >= op.invokeMs &&
          o.invokeMs <= op.invokeMs + boundMs &&
          o.cancelled !== true &&
          !run.silences.has(`${o.node}|${token}`),
      ).length
      if (asked >= 3 && !okTimes.some((t) => t >= op.invokeMs && t <= op.invokeMs + boundMs)) {
        yield `token ${token}: nothing succeeded within ${boundMs} ms of op ${op.id} (${op.op.kind} at ${op.node}, invoked ${op.invokeMs.toFixed(1)})`
        break
      }
    }
  }
}

function tookEffect(op: SimOperation): boolean {
  if (op.completion.kind !== 'ok') return false
  return op.op.kind === 'read' || op.completion.result.kind === 'ok'
}

/** Every finding; undecided tokens are left to the suite (see Findings.undecided). */
export function summarize(findings: Findings): string[] {
  return [
    ...findings.linearizability,
    ...findings.liveness.slice(0, 5),
    ...findings.noQuorum.slice(0, 5),
    ...findings.finals.slice(0, 5),
  ]
}
