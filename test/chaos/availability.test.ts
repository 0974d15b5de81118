import test from 'ava'
import { Availability } from '../../src/tools/chaos/availability.js'
import { faultBudget, generateScheme, replicasOf } from '../../src/tools/chaos/chaos-scheme.js'
import { SeededRandom } from '../../src/plugins/in-process/seeded-random.js'

const tokens = [
  { token: 'a', writer: 0, readers: [0, 1, 2] },
  { token: 'b', writer: 3, readers: [1, 2, 4] },
]

test('a fault fits while every token keeps a majority; a node down and silent counts once', (t) => {
  const availability = new Availability(tokens)
  t.true(availability.fits([1], []), 'one of three down for a, one of four for b')
  t.false(availability.fits([1, 2], []), 'two of three down: a loses its majority')
  availability.markSilent(0, 'a')
  t.false(availability.fits([], [{ token: 'a', node: 1 }]))
  t.true(availability.fits([0], []), 'node 0 silent for a and down is one unavailable replica of a')
  t.true(availability.fits([], [{ token: 'b', node: 4 }]), 'silence on a does not count against b')
})

test('a restarted node is up and silent for nothing', (t) => {
  const availability = new Availability(tokens)
  availability.markSilent(2, 'a')
  availability.markDown(2)
  t.deepEqual(availability.silencedNodes(), [], 'a node down is not listed as silenced')
  availability.markUp(2)
  t.false(availability.isDown(2))
  t.false(availability.isSilent(2, 'a'))
  t.true(availability.fits([1], []))
})

test('generated schemes have replica sets of 3 to 5, cover writer-also-reader and not, and are seed-determined', (t) => {
  const scheme = generateScheme(new SeededRandom(7), 5, 8)
  t.deepEqual(scheme, generateScheme(new SeededRandom(7), 5, 8))
  for (const token of scheme) {
    const size = replicasOf(token).length
    t.true(size >= 3 && size <= 5, `${token.token}: ${size} replicas`)
    t.is(faultBudget(token), Math.floor((size - 1) / 2))
  }
  t.true(scheme[0]!.readers.includes(scheme[0]!.writer))
  t.false(scheme[1]!.readers.includes(scheme[1]!.writer))
})
