import test from 'ava'
import { SeededRandom } from '../../src/plugins/in-process/seeded-random.js'
import { SimulatedNetwork } from '../../src/plugins/in-process/simulated-network.js'
import { SimulatedTime } from '../../src/plugins/in-process/simulated-time.js'
import { SystemClock } from '../../src/plugins/system-clock/system-clock.js'
import { transportCompliance } from './transport-compliance.js'

transportCompliance('in-process transport', () => {
  const network = new SimulatedNetwork(new SystemClock(), new SeededRandom(42), {
    minDelayMs: 0,
    maxDelayMs: 3,
    slowProbability: 0.01,
    slowDelayMs: 10,
    duplicateProbability: 0,
  })
  let next = 0
  return {
    make: () => network.endpoint(),
    nodeIds: async (count) => Array.from({ length: count }, () => `sim-${next++}:1`),
  }
})

test('in-process transport: one seed, one delivery schedule (a simulation replays exactly)', (t) => {
  const schedule = (seed: number): string[] => {
    const time = new SimulatedTime()
    const network = new SimulatedNetwork(time, new SeededRandom(seed), {
      minDelayMs: 0,
      maxDelayMs: 20,
      slowProbability: 0.2,
      slowDelayMs: 100,
      duplicateProbability: 0.1,
    })
    const log: string[] = []
    const a = network.endpoint()
    const b = network.endpoint()
    void a.start('a:1', () => {})
    void b.start('b:1', (e) => log.push(`${time.nowMs()} ${e.message.reqId}`))
    for (let reqId = 1; reqId <= 50; reqId++)
      a.send({ from: 'a:1', to: 'b:1', message: { type: 'query', reqId, token: 'T' } })
    time.run(Infinity, 10_000)
    return log
  }
  const first = schedule(7)
  t.deepEqual(schedule(7), first, 'same seed, same arrivals at the same times')
  t.notDeepEqual(schedule(8), first, 'another seed, another schedule')
  t.true(first.length >= 50, 'every message arrives (duplicates may add more)')
})
