import test from 'ava'
import { MajorityQuorum } from '../../src/plugins/quorum/majority-quorum.js'
import { checkRun, summarize } from '../../src/sim/sim-checks.js'
import { SEEDS } from '../support/simulation-suite.js'
import { runSimulation, type SimulationOptions } from '../../src/sim/simulation.js'

/*
 * Read leases under the conditions that break them when the protocol is wrong: a read-heavy workload (most reads
 * answered locally), holders that fall silent mid-run, slow links that hold a holder's acks back past its lease,
 * and every node's clock drifting as far as the nodes assume (each seed draws the links and the silences).
 */
const majority = new MajorityQuorum()
const base = {
  operations: 600,
  majorityFailureProbability: 0.1,
  operationTimeoutMs: 1_000,
  cancelProbability: 0.02,
  readFraction: 0.85,
}

async function runLeaseSeeds(first: number, count: number, options: Partial<SimulationOptions>) {
  const failures: string[] = []
  let local = 0
  let reads = 0
  for (let seed = first; seed < first + count; seed++) {
    const run = await runSimulation({ ...base, seed, clients: 2 + (seed % 12), tokens: 1 + (seed % 3), ...options })
    local += run.cluster.rounds.local
    reads += run.history.filter((op) => op.op.kind === 'read').length
    const problems = summarize(checkRun(run, (n) => majority.readQuorum(n)))
    if (problems.length > 0) failures.push(`SEED=${seed}\n${problems.join('\n')}`)
  }
  return { failures, local, reads }
}

test('reads under leases stay linearizable and live with clocks drifting as far as assumed, slow links and silent holders', async (t) => {
  const { failures, local, reads } = await runLeaseSeeds(3_000_000, Math.max(20, SEEDS / 2), {
    readLeaseMs: 50,
    assumedDrift: 0.05,
    actualDrift: 0.05,
  })
  t.log(`${local} of ${reads} reads answered locally under a lease`)
  t.deepEqual(failures, [])
  t.true(local > reads / 4, 'the lease path must carry a good share of the reads, or this test checks little')
})

test("a long lease (well past the links' delays) keeps reads linearizable while holders fall silent", async (t) => {
  const { failures, local } = await runLeaseSeeds(3_100_000, Math.max(20, SEEDS / 4), {
    readLeaseMs: 300,
    assumedDrift: 0.01,
    actualDrift: 0.01,
  })
  t.deepEqual(failures, [])
  t.true(local > 0)
})

test('the same stress with clocks drifting as far as assumed and slow links finds nothing', async (t) => {
  const { failures, local } = await runLeaseSeeds(3_200_000, 30, {
    readLeaseMs: 100,
    assumedDrift: 0.3,
    actualDrift: 0.3,
    network: { slowProbability: 0.2, slowDelayMs: 100 },
  })
  t.deepEqual(failures, [])
  t.true(local > 0)
})
