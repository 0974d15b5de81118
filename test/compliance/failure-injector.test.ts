import test from 'ava'
import type { FailureInjector } from '../../src/core/ports/failure-injector.js'
import { ScheduledFailureInjector } from '../../src/plugins/failure/scheduled-failure-injector.js'

const implementations: [string, () => FailureInjector][] = [['scheduled', () => new ScheduledFailureInjector()]]

for (const [name, make] of implementations) {
  test(`${name}: silence is per (node, token), starts at its time and never ends`, (t) => {
    const f = make()
    f.silence('n1', 'T', 100)
    t.false(f.isSilent('n1', 'T', 99))
    t.true(f.isSilent('n1', 'T', 100))
    t.true(f.isSilent('n1', 'T', 1e12))
    t.false(f.isSilent('n1', 'U', 200), 'other tokens of the node are served')
    t.false(f.isSilent('n2', 'T', 200), 'other nodes are not affected')
    t.deepEqual(f.silentTokens('n1', 150), ['T'])
    t.deepEqual(f.silentTokens('n1', 50), [])
  })

  test(`${name}: the earliest schedule wins and the next future silence is reported`, (t) => {
    const f = make()
    f.silence('n1', 'T', 500)
    f.silence('n1', 'T', 300)
    f.silence('n1', 'T', 900)
    f.silence('n1', 'U', 700)
    t.true(f.isSilent('n1', 'T', 300))
    t.is(f.nextSilenceMs('n1', 0), 300)
    t.is(f.nextSilenceMs('n1', 300), 700)
    t.is(f.nextSilenceMs('n1', 700), undefined)
  })
}
