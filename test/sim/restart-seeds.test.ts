import test from 'ava'
import { MajorityQuorum } from '../../src/plugins/quorum/majority-quorum.js'
import { checkRun, summarize } from '../support/sim-checks.js'
import { SEEDS } from '../support/simulation-suite.js'
import { runSimulation, type SimulationOptions } from '../support/simulation.js'

/*
 * The world users run the register in: processes restarted without their state, with it, and killed between a
 * save and its send; wall clocks stepped back (a restart's epoch generation below its last); clients with
 * deadlines from a fifth of a lease to three leases; a stranger sending forged replica messages. Each seed draws
 * the cluster, the silences and the network as the main suites do.
 */
const majority = new MajorityQuorum()
const base = { operations: 500, majorityFailureProbability: 0.1, operationTimeoutMs: 300, cancelProbability: 0.02,
  restarts: 3, stranger: true, deadlineLeases: [0.2, 3] as const }

async function runRestartSeeds(first: number, count: number, options: Partial<SimulationOptions> = {}) {
  const failures: string[] = []
  let restarts = 0
  for (let seed = first; seed < first + count; seed++) {
    const run = await runSimulation({ ...base, seed, clients: 2 + (seed % 8), tokens: 1 + (seed % 3),
      readLeaseMs: [0, 30, 60][seed % 3]!, ...options })
    restarts += run.restarts.length
    const problems = summarize(checkRun(run, (n) => majority.readQuorum(n)))
    if (problems.length > 0) failures.push(`SEED=${seed}\n${problems.join('\n')}`)
  }
  return { failures, restarts }
}

test('restarts with and without state, torn saves, clock steps, short deadlines and a stranger: linearizable, every token serves again', async (t) => {
  const { failures, restarts } = await runRestartSeeds(4_000_000, Math.max(20, SEEDS / 3))
  t.log(`${restarts} restarts`)
  t.deepEqual(failures, [])
})

test('proof the suite can fail: nodes restarted without state that skip recovery lose acknowledged writes', async (t) => {
  const { failures } = await runRestartSeeds(4_000_000, 30, { skipRecovery: true, restarts: 6 })
  const caught = failures.filter((f) => f.includes('not linearizable')).length
  t.log(`${caught} of 30 seeds caught`)
  t.true(caught >= 1)
})
