import test from 'ava'
import type { QuorumStrategy } from '../../src/core/ports/quorum-strategy.js'
import { AllQuorum } from '../../src/plugins/quorum/all-quorum.js'
import { checkRun } from '../../src/sim/sim-checks.js'
import { runSimulation } from '../../src/sim/simulation.js'

/** Reads and writes from a single replica: regular at best, so the checker must find non-atomic histories. */
class SingleReplicaQuorum implements QuorumStrategy {
  readonly name = 'broken-single'
  readQuorum(): number {
    return 1
  }
  writeQuorum(): number {
    return 1
  }
  validate(): void {}
}

const seeds = Array.from({ length: 30 }, (_, i) => i)

test('proof the suite can fail: quorums that do not intersect produce histories the checker rejects', async (t) => {
  let violations = 0
  for (const seed of seeds) {
    const run = await runSimulation({
      seed,
      operations: 400,
      clients: 8,
      tokens: 2,
      majorityFailureProbability: 0,
      operationTimeoutMs: 1_000,
      quorum: new SingleReplicaQuorum(),
    })
    if (checkRun(run, () => 1).linearizability.length > 0) violations++
  }
  t.log(`${violations} of ${seeds.length} seeds caught`)
  t.true(violations >= seeds.length / 3)
})

test('proof the suite can fail: waiting for all replicas blocks under a silent minority and the liveness check says so', async (t) => {
  let stuck = 0
  for (const seed of seeds) {
    const run = await runSimulation({
      seed,
      operations: 300,
      clients: 4,
      tokens: 3,
      majorityFailureProbability: 0,
      operationTimeoutMs: 1_000,
      quorum: new AllQuorum(),
    })
    const majority = (n: number) => Math.floor(n / 2) + 1
    if (checkRun(run, majority).liveness.length > 0) stuck++
  }
  t.log(`${stuck} of ${seeds.length} seeds caught`)
  t.true(stuck >= seeds.length / 3)
})
