import test from 'ava'
import type { Clock } from '../../src/core/ports/clock.js'
import { SimulatedTime } from '../../src/plugins/in-process/simulated-time.js'
import { SystemClock } from '../../src/plugins/system-clock/system-clock.js'

const clocks: [string, () => { clock: Clock; advance: (ms: number) => Promise<void> }][] = [
  ['system clock', () => ({ clock: new SystemClock(), advance: (ms) => new Promise((r) => setTimeout(r, ms)) })],
  [
    'simulated time',
    () => {
      const clock = new SimulatedTime()
      return {
        clock,
        advance: async (ms) => {
          clock.run(clock.nowMs() + ms)
        },
      }
    },
  ],
]

for (const [name, make] of clocks) {
  test(`${name}: time never decreases, timers fire once in time order, cancelled ones never`, async (t) => {
    const { clock, advance } = make()
    const fired: string[] = []
    const t0 = clock.nowMs()
    clock.setTimer(30, () => fired.push(`b@${clock.nowMs() - t0 >= 29}`))
    clock.setTimer(10, () => fired.push(`a@${clock.nowMs() - t0 >= 9}`))
    const cancelled = clock.setTimer(20, () => fired.push('cancelled'))
    cancelled.cancel()
    await advance(80)
    t.deepEqual(fired, ['a@true', 'b@true'])
    t.true(clock.nowMs() >= t0)
  })
}
