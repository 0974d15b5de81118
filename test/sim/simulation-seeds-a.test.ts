import test from 'ava'
import { runSeeds, SEEDS } from '../support/simulation-suite.js'

test('seeded runs (first half) are linearizable, live with a quorum, and stuck without one', async (t) => {
  const outcome = await runSeeds(0, SEEDS)
  t.log(outcome.summary)
  t.deepEqual(outcome.failures, [], `replay a failing seed with: SEED=<n> npx ava ${t.title}`)
  if (outcome.expectedOperations !== undefined) {
    t.true(outcome.operations >= outcome.expectedOperations * 0.95, 'every client ran its operations')
  }
})
