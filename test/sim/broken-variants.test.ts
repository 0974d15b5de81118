import test from 'ava'
import { BROKEN_VARIANTS, type BrokenVariant } from '../../src/sim/broken-variants.js'
import { checkRun } from '../../src/sim/sim-checks.js'
import { runSimulation } from '../../src/sim/simulation.js'

/** Runs the variant's proof seeds and counts those its check caught. */
async function caughtSeeds(variant: BrokenVariant): Promise<number> {
  const { firstSeed, seeds, workload } = variant.proof
  let caught = 0
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const run = await runSimulation({ ...workload(seed), ...variant.options, seed })
    const findings = checkRun(run, variant.liveQuorum)
    if (findings[variant.caughtBy].length > 0) caught++
  }
  return caught
}

for (const variant of BROKEN_VARIANTS) {
  test(`proof the suite can fail: ${variant.description}`, async (t) => {
    const caught = await caughtSeeds(variant)
    t.log(`${variant.name}: ${caught} of ${variant.proof.seeds} seeds caught`)
    t.true(caught >= variant.proof.caught)
  })
}
