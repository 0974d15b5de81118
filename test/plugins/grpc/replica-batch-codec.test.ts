import test from 'ava'
import fc from 'fast-check'
import type { ReplicaMessage } from '../../../src/core/protocol/messages.js'
import { loadTokenManagerPackage } from '../../../src/plugins/grpc/proto.js'
import {
  decodeReplicaBatch,
  encodeReplicaBatch,
  type OutgoingMessage,
} from '../../../src/plugins/grpc/replica-batch-codec.js'
import type { WireBatch } from '../../../src/plugins/grpc/wire-codec.js'
import { envelopeFromWire, messageToWire } from '../../support/generic-replica-codec.js'
import { registerValue, timestamp } from '../../support/wire-arbitraries.js'

const generic = loadTokenManagerPackage().ReplicaService.service.Exchange!
const value = registerValue
const ts = timestamp
const base = { reqId: fc.nat({ max: Number.MAX_SAFE_INTEGER }), token: fc.string({ maxLength: 12 }) }
const message: fc.Arbitrary<ReplicaMessage> = fc.oneof(
  fc.record({ type: fc.constant('query' as const), ...base }),
  fc.record({ type: fc.constant('query' as const), ...base, known: fc.record({ ts, complete: fc.boolean() }) }),
  fc.record({ type: fc.constant('query-same' as const), ...base }),
  fc.record({ type: fc.constant('query-same' as const), ...base, committed: ts }),
  fc.record({ type: fc.constant('store-ack' as const), ...base }),
  fc.record({
    type: fc.constant('store-ack' as const),
    ...base,
    holders: fc.array(fc.string({ maxLength: 21 }), { maxLength: 6 }),
  }),
  fc.record({ type: fc.constant('query-reply' as const), ...base, ts, value }),
  fc.record({ type: fc.constant('query-reply' as const), ...base, ts, value, committed: ts }),
  fc.record({ type: fc.constant('lease-request' as const), ...base, ts }),
  fc.record({
    type: fc.constant('lease-grant' as const),
    ...base,
    leaseMs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    committed: ts,
  }),
  fc.record({ type: fc.constant('commit' as const), ...base, ts }),
  fc.record({ type: fc.constant('query' as const), ...base, writerEpoch: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }) }),
  fc.record({
    type: fc.constant('store' as const),
    ...base,
    ts,
    value,
    writerEpoch: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
  }),
  fc.record({ type: fc.constant('store' as const), ...base, ts, value }),
)
const batch = fc.record({
  from: fc.string({ maxLength: 21 }),
  fingerprint: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 16 }),
  messages: fc.array(fc.record({ to: fc.string({ maxLength: 21 }), message }), { maxLength: 8 }),
})

test('hand-encoded batches decode with proto-loader into the same messages (same wire format)', (t) => {
  fc.assert(
    fc.property(batch, (b) => {
      const decoded = generic.requestDeserialize(encodeReplicaBatch(b)) as WireBatch
      t.is(decoded.from, b.from)
      t.is(decoded.scheme_fingerprint, b.fingerprint)
      t.deepEqual(
        decoded.messages.map((m) => envelopeFromWire(b.from, m)),
        b.messages.map((m) => ({ from: b.from, ...m })),
      )
    }),
    { numRuns: 300 },
  )
})

test('proto-loader-encoded batches decode by hand into the same messages', (t) => {
  fc.assert(
    fc.property(batch, (b) => {
      const wire: WireBatch = {
        from: b.from,
        scheme_fingerprint: b.fingerprint,
        messages: b.messages.map((m) => messageToWire(m.to, m.message)),
      }
      const decoded = decodeReplicaBatch(generic.requestSerialize(wire))
      t.deepEqual(decoded, {
        from: b.from,
        scheme_fingerprint: b.fingerprint,
        messages: b.messages as OutgoingMessage[],
      })
    }),
    { numRuns: 300 },
  )
})

test('a malformed message is marked as such and its batch mates still decode; garbage bytes throw', (t) => {
  const good = { reqId: 7, token: 'T', type: 'query' as const }
  const wire = {
    from: 'a:1',
    scheme_fingerprint: 'f',
    messages: [
      { req_id: '1', token: 'T', to: 'b:1', store: { version: { seq: '1', epoch: '1' } } }, // no value
      { req_id: '2', token: 'T', to: 'b:1' }, // no body
      messageToWire('b:1', good),
    ],
  } as unknown as WireBatch
  const decoded = decodeReplicaBatch(generic.requestSerialize(wire))
  t.deepEqual(
    decoded.messages.map((m) => ('malformed' in m ? m.malformed : m.message)),
    ['missing register value', 'replica message without a body', good],
  )
  t.throws(() => decodeReplicaBatch(Buffer.from([0x1a, 0x05, 0x08])))
})

test('a trace context rides on queries and stores as a W3C traceparent; a bad one is dropped, not its message', (t) => {
  const trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', sampled: true }
  const ts = { seq: 3n, epoch: 1n }
  const messages: OutgoingMessage[] = [
    { to: 'b', message: { type: 'query', reqId: 1, token: 'T', trace } },
    { to: 'b', message: { type: 'store', reqId: 2, token: 'T', ts, value: { kind: 'empty' }, trace } },
    { to: 'b', message: { type: 'query', reqId: 3, token: 'T' } },
  ]
  const decoded = decodeReplicaBatch(encodeReplicaBatch({ from: 'a', fingerprint: 'f', messages }))
  t.deepEqual(decoded.messages, messages)
  const wire = generic.requestDeserialize(encodeReplicaBatch({ from: 'a', fingerprint: 'f', messages })) as {
    messages: { traceparent: string }[]
  }
  t.deepEqual(
    wire.messages.map((m) => m.traceparent),
    [
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '',
    ],
    'an unrecorded message carries no field at all (old peers read it as before)',
  )
  for (const bad of [
    'junk',
    `00-${'0'.repeat(32)}-b7ad6b7169203331-01`,
    '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
  ]) {
    const frame = generic.requestSerialize({
      from: 'a',
      scheme_fingerprint: 'f',
      messages: [{ req_id: '4', token: 'T', to: 'b', query: {}, traceparent: bad }],
    })
    t.deepEqual(
      decodeReplicaBatch(frame).messages,
      [{ to: 'b', message: { type: 'query', reqId: 4, token: 'T' } }],
      bad,
    )
  }
})
