import { MajorityQuorum } from '../../src/plugins/quorum/majority-quorum.js'
import { checkRun, summarize } from '../../src/sim/sim-checks.js'
import { runSimulation } from '../../src/sim/simulation.js'

/** Seeds per suite file and operations per seed; raise with SIM_SEEDS / SIM_OPS for longer runs. */
export const SEEDS = Number(process.env.SIM_SEEDS ?? 100)
export const OPS = Number(process.env.SIM_OPS ?? 500)

export interface SeedsOutcome {
  /** One entry per failing seed: `SEED=n` and its findings. */
  readonly failures: string[]
  readonly operations: number
  /** The operations the seeds were asked for (only when no single SEED is replayed). */
  readonly expectedOperations: number | undefined
  readonly summary: string
}

/** Runs seeds [first, first + count), or only SEED=n when set, and reports what each check found. */
export async function runSeeds(first: number, count: number): Promise<SeedsOutcome> {
  const only = process.env.SEED === undefined ? undefined : Number(process.env.SEED)
  const seeds = only === undefined ? Array.from({ length: count }, (_, i) => first + i) : [only]
  const majority = new MajorityQuorum()
  let operations = 0
  let messages = 0
  let cancelled = 0
  const failures: string[] = []
  const started = Date.now()
  for (const seed of seeds) {
    const run = await runSimulation({
      seed,
      operations: OPS,
      clients: 1 + (seed % 16),
      tokens: 2 + (seed % 4),
      majorityFailureProbability: 0.15,
      operationTimeoutMs: 1_000,
      cancelProbability: 0.05,
    })
    operations += run.history.length
    messages += run.cluster.network.sent
    cancelled += run.history.filter((op) => op.cancelled === true).length
    const problems = summarize(checkRun(run, (n) => majority.readQuorum(n)))
    if (problems.length > 0) failures.push(`SEED=${seed}\n${problems.join('\n')}`)
  }
  return {
    failures,
    operations,
    expectedOperations: only === undefined ? count * OPS : undefined,
    summary: `${seeds.length} seeds, ${operations} operations (${cancelled} cancelled by their clients), ${messages} messages in ${Date.now() - started} ms`,
  }
}
