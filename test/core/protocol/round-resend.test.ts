import test from 'ava'
import type { Envelope } from '../../../src/core/protocol/messages.js'
import { MajorityQuorum } from '../../../src/plugins/quorum/majority-quorum.js'
import type { Completion } from '../../../src/core/protocol/operations.js'
import { ManualNet } from '../../support/manual-net.js'

const A = 'a:1'
const B = 'b:1'
const C = 'c:1'
const D = 'd:1'
const E = 'e:1'
/** T: three replicas (A writes). U: four replicas (B writes), so a write quorum is three. */
const scheme = [
  { token: 'T', writer: A, readers: [A, B, C] },
  { token: 'U', writer: B, readers: [C, D, E] },
]
const RESEND = { firstMs: 10, maxMs: 40, gridMs: 1 }
const write = { type: 'write' as const, name: 'abc', low: 0n, mid: 4n, high: 8n }

const queriesFrom = (net: ManualNet, from: string): Envelope[] =>
  net.inflight.filter((e) => e.from === from && e.message.type === 'query')

function succeeded(done: Completion | undefined): boolean {
  return done?.ok === true
}

test('a round whose requests were all lost sends them again after the first gap, and the write completes', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, RESEND)
  const w = net.submit(A, 'T', write)
  t.is(queriesFrom(net, A).length, 2)
  net.drop(() => true)
  net.tick(9)
  t.is(queriesFrom(net, A).length, 0, 'nothing goes again before the first gap')
  net.tick(10)
  const again = queriesFrom(net, A)
  t.deepEqual(again.map((e) => e.to).sort(), [B, C])
  t.is(again[0]!.message.reqId, again[1]!.message.reqId, 'the same request, so a late first answer still counts')
  net.settle()
  t.true(succeeded(net.completions.get(w)))
})

test('resend gaps double up to their bound, and a round that completed sends nothing more', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, RESEND)
  const w = net.submit(A, 'T', write, 10_000)
  const resentAt: number[] = []
  for (let nowMs = 1; nowMs <= 200; nowMs++) {
    net.drop(() => true)
    net.tick(nowMs)
    if (queriesFrom(net, A).length > 0) resentAt.push(nowMs)
  }
  // Gaps 20, 40, then 40 again (the bound): the first copy goes at 10.
  t.deepEqual(resentAt, [10, 30, 70, 110, 150, 190])
  net.drop(() => true)
  net.tick(230)
  net.settle()
  t.true(succeeded(net.completions.get(w)))
  net.drop(() => true)
  net.tick(10_000)
  t.is(net.inflight.length, 0, 'no request goes again once its round is complete')
})

test('only the replicas that have not answered are asked again', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, RESEND)
  net.submit(B, 'U', write)
  // B answers itself; C answers; D and E never get the query. Three of four are needed.
  net.deliver((e) => e.message.type === 'query' && e.to === C)
  net.deliver((e) => e.from === C)
  net.drop(() => true)
  net.tick(10)
  t.deepEqual(
    queriesFrom(net, B)
      .map((e) => e.to)
      .sort(),
    [D, E],
  )
})

test('a read whose query was lost completes once it is sent again', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, RESEND)
  net.submit(A, 'T', write)
  net.settle()
  const r = net.submit(C, 'T', { type: 'read' })
  net.drop((e) => e.from === C && e.message.type === 'query')
  net.tick(10)
  net.settle()
  t.true(succeeded(net.completions.get(r)))
})

test('a resent store the replicas already hold is acknowledged again, and counted once', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, RESEND)
  const w = net.submit(B, 'U', write)
  net.settle((e) => e.message.type !== 'store')
  // The stores arrive, but every ack is lost: the round resends to C, D and E, who hold the version already.
  net.deliver((e) => e.message.type === 'store')
  net.drop((e) => e.message.type === 'store-ack')
  t.false(succeeded(net.completions.get(w)))
  net.tick(10)
  const stores = net.inflight.filter((e) => e.message.type === 'store')
  t.is(stores.length, 3)
  // One ack only (C's, twice): one replica plus the writer is no quorum of four.
  net.deliver((e) => e.message.type === 'store' && e.to === C)
  const ack = net.inflight.find((e) => e.message.type === 'store-ack')!
  net.inflight.push(ack)
  net.deliver((e) => e.message.type === 'store-ack')
  t.false(succeeded(net.completions.get(w)), 'a duplicate ack is not a second replica')
  net.settle()
  t.true(succeeded(net.completions.get(w)))
})

test('rounds started at different times fall due on a common grid, so one tick resends them all', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, { firstMs: 10, maxMs: 40, gridMs: 10 })
  net.submit(A, 'T', write)
  net.settle()
  for (const nowMs of [1, 2, 3]) {
    net.nowMs = nowMs
    net.submit(C, 'T', { type: 'read' })
    net.drop(() => true)
  }
  net.tick(19)
  t.is(queriesFrom(net, C).length, 0, 'none is due before the grid line after its first gap')
  net.tick(20)
  t.is(queriesFrom(net, C).length, 6, 'all three reads ask A and B again at 20')
})

test('broken variant: without resends a lost request is never sent again and the write fails at its deadline', (t) => {
  const net = new ManualNet(scheme)
  const w = net.submit(A, 'T', write, 500)
  net.drop(() => true)
  for (let nowMs = 10; nowMs < 500; nowMs += 10) net.tick(nowMs)
  t.is(net.inflight.length, 0, 'nothing was sent again')
  net.tick(500)
  const done = net.completions.get(w)
  t.true(done !== undefined && !done.ok && done.error.code === 'deadline-exceeded')
})

/** The node's usual timing for a 5 s operation timeout: the first resend after 200 ms (see resendTimingOf). */
const USUAL = { firstMs: 200, maxMs: 1000, gridMs: 50 }

/**
 * Loses every message until requests of `from` go again, at most until `untilMs`; returns when they went (the
 * copies are left in flight), or undefined.
 */
function firstResend(net: ManualNet, from: string, untilMs: number): number | undefined {
  for (let nowMs = 1; nowMs <= untilMs; nowMs++) {
    net.drop(() => true)
    net.tick(nowMs)
    if (net.inflight.some((e) => e.from === from)) return nowMs
  }
  return undefined
}

test('an operation whose deadline is shorter than the first gap is resent at a quarter of its time, and completes', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, USUAL)
  const w = net.submit(A, 'T', write, 100)
  t.is(firstResend(net, A, 99), 30, 'a gap of 25 ms on a grid of 6 ms, not 200 ms')
  net.settle()
  t.true(succeeded(net.completions.get(w)), String(net.completions.get(w)?.ok))
})

test('a read with a short deadline whose query was lost is resent in time, and completes', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, USUAL)
  net.submit(A, 'T', write)
  net.settle()
  const r = net.submit(B, 'T', { type: 'read' }, 60)
  t.is(firstResend(net, B, 59), 15)
  net.settle()
  t.true(succeeded(net.completions.get(r)), String(net.completions.get(r)?.ok))
})

test('an operation with a long deadline keeps the usual first gap', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, undefined, false, USUAL)
  net.submit(A, 'T', write, 5_000)
  t.is(firstResend(net, A, 400), 200)
})
