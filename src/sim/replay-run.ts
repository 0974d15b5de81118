import { MajorityQuorum } from '../plugins/quorum/majority-quorum.js'
import { type BrokenVariant, variantNamed } from './broken-variants.js'
import { buildReplay } from './replay-builder.js'
import type { ReplayData } from './replay-data.js'
import { checkRun, type Findings } from './sim-checks.js'
import { DEFAULT_RECORDER_LIMITS, SimRecorder } from './sim-recorder.js'
import { runSimulation, type SimulationRun } from './simulation.js'

export interface ReplayRunOptions {
  readonly seed: number
  /** A name from BROKEN_VARIANTS. */
  readonly variant?: string
  readonly operations: number
  readonly clients: number
  readonly tokens: number
  readonly nodes?: number
  readonly maxSteps?: number
}

export interface ReplayRun {
  readonly data: ReplayData
  readonly findings: Findings
  /** One line: the verdict and how much the run did. */
  readonly summary: string
}

const majority = new MajorityQuorum()

/** One seeded simulation, recorded and checked: what `tm-sim` prints and draws. */
export async function recordReplay(options: ReplayRunOptions): Promise<ReplayRun> {
  const variant = options.variant === undefined ? undefined : variantNamed(options.variant)
  if (options.variant !== undefined && variant === undefined) throw new Error(`no variant ${options.variant}`)
  const maxSteps = options.maxSteps ?? DEFAULT_RECORDER_LIMITS.maxSteps
  const recorder = new SimRecorder({ maxSteps, maxMessages: 3 * maxSteps })
  const run = await runSimulation({
    seed: options.seed,
    operations: options.operations,
    clients: options.clients,
    tokens: options.tokens,
    ...(options.nodes !== undefined && { nodes: options.nodes }),
    // The main suites' world: some silences, a few cancellations.
    majorityFailureProbability: 0.15,
    operationTimeoutMs: 1_000,
    cancelProbability: 0.05,
    ...variant?.options,
    recorder,
  })
  const findings = checkRun(run, variant?.liveQuorum ?? ((n) => majority.readQuorum(n)), { linearization: true })
  const summary = summarize(options, variant, run, recorder, findings)
  const title = `tm-sim --seed ${options.seed}${variant ? ` --variant ${variant.name}` : ''}`
  const data = buildReplay(run, recorder, findings.report, {
    title,
    summary,
    ...(variant && { variant: variant.name }),
  })
  return { data, findings, summary }
}

function summarize(
  options: ReplayRunOptions,
  variant: BrokenVariant | undefined,
  run: SimulationRun,
  recorder: SimRecorder,
  findings: Findings,
): string {
  const report = findings.report
  const violated = report.tokens.filter((t) => t.verdict === 'violation').map((t) => t.token)
  const verdict =
    violated.length > 0
      ? `not linearizable (token ${violated.join(', ')})`
      : report.verdict === 'timeout'
        ? 'no verdict (the checker ran out of time)'
        : 'linearizable'
  const problems = findings.liveness.length + findings.noQuorum.length + findings.finals.length
  const steps = `${recorder.steps.length}${recorder.truncated ? ' (truncated)' : ''} steps`
  return [
    `seed ${options.seed}${variant ? ` (${variant.name})` : ''}: ${verdict}`,
    ...(problems > 0 ? [`${problems} liveness or value findings`] : []),
    steps,
    `${run.history.length} operations`,
    `${run.cluster.scheme.nodes().length} nodes`,
    `${run.cluster.network.sent} messages`,
  ].join(', ')
}
