import { SeededRandom } from '../../src/plugins/in-process/seeded-random.js'
import { SimulatedNetwork } from '../../src/plugins/in-process/simulated-network.js'
import { SystemClock } from '../../src/plugins/system-clock/system-clock.js'
import { transportCompliance } from './transport-compliance.js'

transportCompliance('in-process transport', () => {
  const network = new SimulatedNetwork(new SystemClock(), new SeededRandom(42), {
    minDelayMs: 0, maxDelayMs: 3, slowProbability: 0.01, slowDelayMs: 10, duplicateProbability: 0,
  })
  let next = 0
  return {
    make: () => network.endpoint(),
    nodeIds: async (count) => Array.from({ length: count }, () => `sim-${next++}:1`),
  }
})
