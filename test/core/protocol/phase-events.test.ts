import test from 'ava'
import type { PhaseEvent } from '../../../src/core/protocol/outbox.js'
import { roundSpanId, type TraceContext } from '../../../src/core/protocol/trace-context.js'
import { ManualNet } from '../../support/manual-net.js'

const A = 'a:1'
const B = 'b:1'
const C = 'c:1'
const scheme = [{ token: 'T', writer: A, readers: [A, B, C] }]
const op: TraceContext = { traceId: 'ab'.repeat(16), spanId: '0123456789abcdef', sampled: true }
const write = { type: 'write' as const, name: 'abc', low: 0n, mid: 10n, high: 100n }

const eventsAt = (net: ManualNet, at: string): PhaseEvent[] => net.phases.filter((p) => p.at === at).map((p) => p.event)

test('a recorded write reports learn, hash and write phases: replicas asked, replies with versions, why each ended', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write, 1000, op)
  net.settle()
  const phases = eventsAt(net, A)
  t.deepEqual(
    phases.map((p) => [p.phase, p.end]),
    [
      ['learn', 'quorum'],
      ['hash', 'hashed'],
      ['write', 'quorum'],
    ],
  )
  const [learn, hash, store] = phases
  t.deepEqual(learn!.asked, [A, B, C])
  t.is(learn!.span?.parentSpanId, op.spanId)
  t.is(learn!.span?.traceId, op.traceId)
  t.is(hash!.span?.spanId, undefined, 'a leaf phase gets its id from the tracer')
  t.regex(hash!.detail!, /10 values/)
  t.deepEqual(
    store!.replies!.map((r) => [r.from, r.ts.seq]),
    [
      [A, 1n],
      [B, 1n],
    ],
  )
  t.true(store!.replies!.every((r) => r.atMs !== undefined))
  // Each replica records its part as a child of the round that asked it, told by the message's context.
  const stores = net.phases.filter((p) => p.event.phase === 'serve' && p.event.detail?.startsWith('store'))
  t.deepEqual(new Set(stores.map((p) => p.at)), new Set([B, C]))
  for (const served of stores) t.is(served.event.span?.parentSpanId, store!.span?.spanId)
  t.true(store!.span!.spanId!.startsWith(op.spanId.slice(0, 8)))
})

test('the messages of a recorded round carry its span; an unrecorded operation sends and reports none', (t) => {
  const traced = new ManualNet(scheme)
  traced.submit(A, 'T', write, 1000, op)
  const query = traced.inflight.find((e) => e.message.type === 'query')!
  const reqId = query.message.reqId
  t.deepEqual(query.message.type === 'query' && query.message.trace, { ...op, spanId: roundSpanId(op, reqId) })
  const plain = new ManualNet(scheme)
  plain.submit(A, 'T', write)
  plain.settle()
  plain.submit(B, 'T', { type: 'read' })
  plain.settle()
  t.true(plain.phases.length > 0, 'metrics still get the rounds')
  t.true(
    plain.phases.every((p) => p.event.span === undefined && p.event.detail === undefined),
    'no span and no text for an operation nobody records',
  )
  t.true(plain.phases.every((p) => p.event.end === 'quorum'))
})

test('a recorded read of a value without its final hashes it and imposes it: query, hash, impose', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write)
  net.settle()
  net.phases.length = 0
  net.submit(B, 'T', { type: 'read' }, 1000, op)
  net.settle()
  t.deepEqual(
    eventsAt(net, B)
      .filter((p) => p.phase !== 'serve')
      .map((p) => [p.phase, p.end]),
    [
      ['query', 'quorum'],
      ['hash', 'hashed'],
      ['impose', 'quorum'],
    ],
  )
})

test('a recorded write whose store never reaches a quorum ends its write phase at the deadline', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write, 1000, op)
  net.settle((e) => e.message.type !== 'store')
  net.drop(() => true)
  net.tick(2000)
  const last = eventsAt(net, A).at(-1)!
  t.deepEqual([last.phase, last.end], ['write', 'deadline'])
  t.is(last.replies!.length, 1, 'only its own copy answered')
})
