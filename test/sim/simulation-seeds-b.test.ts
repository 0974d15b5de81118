import test from 'ava'
import { runSeeds, SEEDS } from '../support/simulation-suite.js'

test('seeded runs (second half) are linearizable, live with a quorum, and stuck without one', async (t) => {
  await runSeeds(t, 1_000_000, SEEDS)
})
