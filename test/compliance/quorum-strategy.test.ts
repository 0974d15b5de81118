import test from 'ava'
import type { QuorumStrategy } from '../../src/core/ports/quorum-strategy.js'
import { AllQuorum } from '../../src/plugins/quorum/all-quorum.js'
import { FlexibleQuorum } from '../../src/plugins/quorum/flexible-quorum.js'
import { MajorityQuorum } from '../../src/plugins/quorum/majority-quorum.js'

const strategies: [string, QuorumStrategy][] = [
  ['majority', new MajorityQuorum()],
  ['all', new AllQuorum()],
  ['flexible 1/5', new FlexibleQuorum(1, 5)],
  ['flexible 3/3', new FlexibleQuorum(3, 3)],
  ['flexible 4/2', new FlexibleQuorum(4, 2)],
]

for (const [name, strategy] of strategies) {
  test(`${name}: whenever it accepts N replicas, every read quorum meets every write quorum`, (t) => {
    let accepted = 0
    for (let n = 1; n <= 9; n++) {
      try {
        strategy.validate(n)
      } catch {
        continue
      }
      accepted++
      const r = strategy.readQuorum(n)
      const w = strategy.writeQuorum(n)
      t.true(r >= 1 && r <= n && w >= 1 && w <= n, `N=${n} R=${r} W=${w}`)
      t.true(r + w > n, `N=${n}: R + W > N`)
    }
    t.true(accepted > 0)
  })
}

test('majority is floor(N/2)+1: 2 of 3, 3 of 4, 3 of 5, 4 of 7', (t) => {
  const m = new MajorityQuorum()
  t.deepEqual(
    [3, 4, 5, 7].map((n) => m.readQuorum(n)),
    [2, 3, 3, 4],
  )
  t.deepEqual(
    [3, 4, 5, 7].map((n) => m.writeQuorum(n)),
    [2, 3, 3, 4],
  )
})

test('flexible sizes are rejected unless R + W > N', (t) => {
  t.throws(() => new FlexibleQuorum(2, 2).validate(5), { message: /must exceed 5 replicas/ })
  t.throws(() => new FlexibleQuorum(6, 1).validate(5), { message: /exceeds 5 replicas/ })
  t.throws(() => new FlexibleQuorum(0, 3), { message: /positive integers/ })
  t.notThrows(() => new FlexibleQuorum(2, 4).validate(5))
})
