import test from 'ava'
import type { NodeStatus } from '../../../src/client/admin-results.js'
import { OpsRates } from '../../../src/bin/web/ops-rates.js'

function status(operations: Record<string, bigint>): NodeStatus {
  const tokens = Object.entries(operations).map(([id, ops]) => ({ id, operations: ops }))
  return { node: 'n', schemeFingerprint: '', ignoredReplies: 0n, tokens } as unknown as NodeStatus
}

test("a token's rate is the sum of its nodes' rates between two samples", (t) => {
  const rates = new OpsRates(new Set(['a']))
  rates.observe('w', status({ a: 10n }), 1_000)
  rates.observe('r', status({ a: 0n }), 1_000)
  t.is(rates.perSecond('a', ['w', 'r']), 0, 'one sample gives no rate')
  rates.observe('w', status({ a: 20n }), 1_500)
  rates.observe('r', status({ a: 5n }), 2_000)
  t.is(rates.perSecond('a', ['w', 'r']), 20 + 5)
})

test('a counter that went down (a restarted node) gives no rate; a forgotten node counts no more', (t) => {
  const rates = new OpsRates(new Set(['a']))
  rates.observe('w', status({ a: 100n }), 0)
  rates.observe('w', status({ a: 3n }), 1_000)
  t.is(rates.perSecond('a', ['w']), 0)
  rates.observe('w', status({ a: 13n }), 2_000)
  t.is(rates.perSecond('a', ['w']), 10)
  rates.forget('w')
  t.is(rates.perSecond('a', ['w']), 0)
})

test('only the tokens shown are tracked', (t) => {
  const rates = new OpsRates(new Set(['a']))
  rates.observe('w', status({ a: 0n, b: 0n }), 0)
  rates.observe('w', status({ a: 0n, b: 50n }), 1_000)
  t.is(rates.perSecond('b', ['w']), 0)
})
