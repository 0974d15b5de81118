import test from 'ava'
import { runSeeds, SEEDS } from '../support/simulation-suite.js'

test('seeded runs (first half) are linearizable, live with a quorum, and stuck without one', async (t) => {
  await runSeeds(t, 0, SEEDS)
})
