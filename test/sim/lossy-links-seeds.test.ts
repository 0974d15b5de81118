import test from 'ava'
import { MajorityQuorum } from '../../src/plugins/quorum/majority-quorum.js'
import { checkRun, summarize } from '../../src/sim/sim-checks.js'
import { runSimulation } from '../../src/sim/simulation.js'

const SEEDS = Number(process.env.SIM_SEEDS ?? 60)
const LOSS = [0.01, 0.03, 0.1] as const

test('over links that lose up to one message in ten, seeded runs stay linearizable and every operation with a live quorum completes', async (t) => {
  const majority = new MajorityQuorum()
  const failures: string[] = []
  let lost = 0
  let sent = 0
  for (let seed = 0; seed < SEEDS; seed++) {
    const lossProbability = LOSS[seed % LOSS.length]!
    const run = await runSimulation({
      seed,
      operations: 400,
      clients: 1 + (seed % 8),
      tokens: 2 + (seed % 3),
      majorityFailureProbability: 0.15,
      operationTimeoutMs: 1_000,
      cancelProbability: 0.05,
      // Every other seed also restarts nodes, whose recovery and learn rounds then run over the same lossy links.
      restarts: seed % 2 === 0 ? 2 : 0,
      network: { lossProbability },
    })
    lost += run.cluster.network.lost
    sent += run.cluster.network.sent
    const problems = summarize(checkRun(run, (n) => majority.readQuorum(n)))
    if (problems.length > 0) failures.push(`seed ${seed} (loss ${lossProbability})\n${problems.join('\n')}`)
  }
  t.log(`${SEEDS} seeds: ${lost} of ${sent} messages lost`)
  t.true(lost > sent / 100, 'the links lost messages')
  t.deepEqual(failures, [])
})
