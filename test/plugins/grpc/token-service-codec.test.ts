import test from 'ava'
import fc from 'fast-check'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { loadTokenManagerPackage } from '../../../src/plugins/grpc/proto.js'
import { INVALID_UTF8 } from '../../../src/plugins/grpc/strict-utf8.js'
import {
  decodeReadRequest,
  decodeWriteRequest,
  encodeReadReply,
  encodeWriteReply,
  type ReadReplyFields,
  type WriteReplyFields,
} from '../../../src/plugins/grpc/token-service-codec.js'
import { argminToWire, tokenToWire, versionToWire } from '../../../src/plugins/grpc/wire-codec.js'
import { argmin, registerValue, timestamp, u64 } from '../../support/wire-arbitraries.js'

const service = loadTokenManagerPackage().TokenService.service
const address = fc.string({ maxLength: 21 })
const readReply: fc.Arbitrary<ReadReplyFields> = fc.record({
  id: fc.string({ maxLength: 20 }),
  ts: timestamp,
  value: registerValue,
  writer: address,
  readers: fc.array(address, { maxLength: 5 }),
  servedBy: address,
})
const writeReply: fc.Arbitrary<WriteReplyFields> = fc.record({
  id: fc.string({ maxLength: 20 }),
  partial: argmin,
  ts: timestamp,
  servedBy: address,
})

/** The reply objects the services handed to proto-loader before the hand-written encoders: the reference. */
function genericReadReply(r: ReadReplyFields): object {
  const base = { id: r.id, version: versionToWire(r.ts), writer: r.writer, readers: r.readers, served_by: r.servedBy }
  return r.value.kind === 'token'
    ? { ...base, written: true, ...tokenToWire(r.value.token) }
    : { ...base, written: false }
}

// proto-loader also writes fields explicitly set to zero (written: false, seq 0); proto3 omits them, so the bytes
// may differ while every decoder reads the same reply.
test('hand-encoded ReadReply decodes with proto-loader to the reply proto-loader would have encoded', (t) => {
  fc.assert(
    fc.property(readReply, (r) => {
      const ours = encodeReadReply(r)
      const reference = service.Read!.responseSerialize(genericReadReply(r))
      t.deepEqual(service.Read!.responseDeserialize(ours), service.Read!.responseDeserialize(reference))
    }),
    { numRuns: 400 },
  )
})

test('hand-encoded WriteReply decodes with proto-loader to the reply proto-loader would have encoded', (t) => {
  fc.assert(
    fc.property(writeReply, (r) => {
      const ours = encodeWriteReply(r)
      const reference = service.Write!.responseSerialize({
        id: r.id,
        partial: argminToWire(r.partial),
        version: versionToWire(r.ts),
        served_by: r.servedBy,
      })
      t.deepEqual(service.Write!.responseDeserialize(ours), service.Write!.responseDeserialize(reference))
    }),
    { numRuns: 400 },
  )
})

test('a never-written token reads as written = false with its version and scheme', (t) => {
  const bytes = encodeReadReply({
    id: 'T',
    ts: { seq: 0n, epoch: 0n },
    value: { kind: 'empty' },
    writer: 'a:1',
    readers: ['a:1', 'b:2'],
    servedBy: 'b:2',
  })
  t.like(service.Read!.responseDeserialize(bytes), {
    id: 'T',
    written: false,
    name: '',
    version: { seq: '0', epoch: '0' },
    readers: ['a:1', 'b:2'],
    served_by: 'b:2',
  })
})

test('WriteRequests encoded by proto-loader decode by hand to the same fields, uint64 as bigint', (t) => {
  const request = fc.record({
    id: fc.string({ maxLength: 20 }),
    name: fc.string({ unit: 'grapheme', maxLength: 40 }),
    low: u64,
    mid: u64,
    high: u64,
  })
  fc.assert(
    fc.property(request, (r) => {
      const bytes = service.Write!.requestSerialize({
        ...r,
        low: r.low.toString(),
        mid: r.mid.toString(),
        high: r.high.toString(),
      })
      t.deepEqual(decodeWriteRequest(bytes), r)
    }),
    { numRuns: 400 },
  )
  t.deepEqual(decodeReadRequest(service.Read!.requestSerialize({ id: 'T-1' })), {
    id: 'T-1',
    name: '',
    low: 0n,
    mid: 0n,
    high: 0n,
  })
})

test('a request string that is not UTF-8 is flagged; unknown fields are skipped; a truncated varint throws', (t) => {
  // field 2 (name) holding a lone continuation byte, then unknown field 9 (varint 1)
  const decoded = decodeWriteRequest(Buffer.from([0x0a, 0x01, 0x54, 0x12, 0x01, 0x80, 0x48, 0x01]))
  t.is(decoded.id, 'T')
  t.true(decoded[INVALID_UTF8])
  t.is(decodeReadRequest(Buffer.from([0x0a, 0x01, 0x54]))[INVALID_UTF8], undefined)
  t.throws(() => decodeWriteRequest(Buffer.from([0x18, 0xff])), {
    instanceOf: InvalidArgumentError,
    message: /truncated varint/,
  })
})
