import test from 'ava'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { decodeReplicaBatch, type IncomingMessage } from '../../../src/plugins/grpc/replica-batch-codec.js'
import { INVALID_UTF8 } from '../../../src/plugins/grpc/strict-utf8.js'
import { decodeReadRequest, decodeWriteRequest } from '../../../src/plugins/grpc/token-service-codec.js'
import { varintBytes } from '../../support/protobuf-mutations.js'
import { protoType } from '../../support/protobuf-reference.js'

/*
 * The decoding rules one case at a time; the differential suite (differential-decoding.test.ts) covers them at
 * random. Each case first shows what protobufjs does with the same bytes, so a test that says "stricter than
 * protobufjs" checks that it is.
 */

const bytes = (...parts: (number | string | Uint8Array)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.of(p) : Buffer.from(p))))
const field = (number: number, wireType: number): Uint8Array => varintBytes(BigInt((number << 3) | wireType))
const delimited = (number: number, payload: Uint8Array | string): Buffer =>
  bytes(field(number, 2), varintBytes(BigInt(Buffer.byteLength(payload))), payload)
const refuses = (decode: () => unknown, message: RegExp): void => {
  try {
    decode()
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw new Error(`not an InvalidArgumentError: ${String(error)}`)
    if (!message.test(error.message)) throw new Error(`unexpected refusal: ${error.message}`)
    return
  }
  throw new Error('accepted')
}
/** protobufjs's decoder on a plain Uint8Array (its portable Reader), or its error. */
const protobufjs = (type: string, b: Uint8Array): unknown => {
  try {
    return protoType(type).toObject(protoType(type).decode(new Uint8Array(b)), { longs: String, defaults: true })
  } catch (error) {
    return error
  }
}

/** One ReplicaMessage inside a batch from a:1 with fingerprint f: what the batch decoder makes of it. */
function decodeOne(message: Uint8Array): IncomingMessage {
  const decoded = decodeReplicaBatch(bytes(delimited(1, 'a:1'), delimited(2, 'f'), delimited(3, message)))
  return decoded.messages[0]!
}
const malformed = (m: IncomingMessage): string => ('malformed' in m ? m.malformed : 'accepted')
const storeOf = (name: Uint8Array): Buffer => {
  const token = bytes(field(1, 2), varintBytes(100n), name) // claims 100 bytes, holds name.length
  const value = delimited(3, token)
  return bytes(field(1, 0), 7, delimited(6, bytes(delimited(1, bytes(field(1, 0), 1)), delimited(2, value))))
}

test('a string whose declared length runs past the end is refused, not cut short', (t) => {
  // WriteRequest { id: "T", name: claims 100 bytes, 3 present }: the reviewer's case, once written as `trn`.
  const request = bytes(delimited(1, 'T'), field(2, 2), 100, 'trn')
  t.true(protobufjs('WriteRequest', request) instanceof RangeError, "protobufjs's Reader refuses it")
  t.is(
    (protoType('WriteRequest').decode(request) as unknown as { name: string }).name,
    'trn',
    'its BufferReader (a Node Buffer) cuts it',
  )
  refuses(() => decodeWriteRequest(request), /length 100 past the end/)
  refuses(() => decodeReadRequest(bytes(field(1, 2), 5, 'T')), /past the end/)
  t.regex(malformed(decodeOne(storeOf(Buffer.from('trn')))), /past the end/)
})

test('field number 0 is refused (stricter than protobufjs, which skips it; protoc and Go refuse it)', (t) => {
  const request = bytes(delimited(1, 'T'), 0x00, 0x01)
  t.like(protobufjs('ReadRequest', request), { id: 'T' }, 'protobufjs skips field 0')
  refuses(() => decodeReadRequest(request), /field number 0/)
  refuses(() => decodeWriteRequest(bytes(0x02, 0x00)), /field number 0/)
  t.regex(malformed(decodeOne(bytes(field(1, 0), 7, delimited(8, ''), 0x00, 0x01))), /field number 0/)
  refuses(() => decodeReplicaBatch(bytes(0x00, 0x01)), /field number 0/)
})

test('a known field with the wrong wire type is refused, not read as its declared type', (t) => {
  // id (a string) sent as a varint: protobufjs reads the varint 3 as a length and takes the next 3 bytes as the id.
  const request = bytes(field(1, 0), 3, 'TUV')
  t.like(protobufjs('WriteRequest', request), { id: 'TUV' }, 'protobufjs swallows the bytes after it')
  refuses(() => decodeWriteRequest(request), /field 1 with wire type 0/)
  refuses(() => decodeWriteRequest(bytes(field(3, 2), 1, 5)), /field 3 with wire type 2/)
  // In ReadRequest field 3 is unknown, so any wire type is skipped.
  t.is(decodeReadRequest(bytes(delimited(1, 'T'), field(3, 2), 1, 5)).id, 'T')
  t.regex(malformed(decodeOne(bytes(delimited(1, 'x'), delimited(8, '')))), /field 1 with wire type 2/)
  t.regex(
    malformed(decodeOne(bytes(field(1, 0), 7, delimited(11, bytes(field(1, 5), 1, 2, 3, 4))))),
    /field 1 with wire type 5/,
  )
})

test('varints: more than 10 bytes, over 64 bits, cut off by the end, or a tag over 5 bytes are refused', (t) => {
  const low = (varint: Uint8Array): Buffer => bytes(delimited(1, 'T'), field(3, 0), varint)
  t.is(decodeWriteRequest(low(varintBytes(2n ** 64n - 1n))).low, 2n ** 64n - 1n)
  t.is(decodeWriteRequest(low(varintBytes(5n, 10))).low, 5n, 'a padded 10-byte varint is fine')
  refuses(() => decodeWriteRequest(low(varintBytes(5n, 11))), /longer than 10 bytes/)
  const overflow = Uint8Array.of(...Array(9).fill(0xff), 0x03)
  t.like(protobufjs('WriteRequest', low(overflow)), { low: '18446744073709551615' }, 'protobufjs drops bit 64')
  refuses(() => decodeWriteRequest(low(overflow)), /over 64 bits/)
  const cut = low(Uint8Array.of(0x80, 0x80, 0x80))
  t.like(protobufjs('WriteRequest', cut), { id: 'T' }, "protobufjs's uint64 reader runs past the end here")
  refuses(() => decodeWriteRequest(cut), /truncated varint/)
  refuses(() => decodeWriteRequest(bytes(delimited(1, 'T'), field(9, 1), 1, 2, 3)), /truncated fixed-width/)
  refuses(() => decodeReadRequest(bytes(varintBytes(10n, 6), 1, 'T')), /longer than 5 bytes/)
  refuses(() => decodeReadRequest(bytes(Uint8Array.of(0x8a, 0x80, 0x80, 0x80, 0x10), 1, 'T')), /over 32 bits/)
})

test('unknown fields of every wire type are skipped as protobufjs skips them; groups must end with their own tag', (t) => {
  // Field n with each wire type, then a group holding a varint and an empty group (n: unknown in the message).
  const unknown = (n: number): Buffer =>
    bytes(
      field(n, 0),
      0x96,
      0x01,
      field(n, 1),
      Buffer.alloc(8),
      delimited(n, 'xyz'),
      field(n, 5),
      Buffer.alloc(4),
      field(n, 3),
      field(2, 0),
      1,
      field(n + 1, 3),
      field(n + 1, 4),
      field(n, 4),
    )
  const request = bytes(delimited(1, 'T'), unknown(9), field(4, 0), 42)
  t.like(protobufjs('WriteRequest', request), { id: 'T', mid: '42' })
  t.like(decodeWriteRequest(request), { id: 'T', mid: 42n })
  t.like(decodeOne(bytes(field(1, 0), 7, unknown(21), delimited(8, unknown(1)))), {
    message: { type: 'query-same', reqId: 7 },
  })
  // An empty message (Nothing) is parsed all the same: what it holds must be fields.
  t.true(protobufjs('ReplicaMessage', bytes(delimited(8, Uint8Array.of(0xff)))) instanceof Error)
  t.regex(malformed(decodeOne(bytes(field(1, 0), 7, delimited(8, Uint8Array.of(0xff))))), /truncated varint/)
  t.regex(
    malformed(decodeOne(bytes(field(1, 0), 7, delimited(6, bytes(delimited(2, delimited(1, Uint8Array.of(0x0f)))))))),
    /wire type 7/,
  )
  const misclosed = bytes(delimited(1, 'T'), field(9, 3), field(10, 4))
  t.like(protobufjs('ReadRequest', misclosed), { id: 'T' }, 'protobufjs ends a group at any end tag')
  refuses(() => decodeReadRequest(misclosed), /group 9 ended by 10/)
  for (const wireType of [4, 6, 7]) {
    t.true(
      protobufjs('ReadRequest', bytes(field(9, wireType))) instanceof Error,
      `protobufjs refuses wire type ${wireType}`,
    )
    refuses(() => decodeReadRequest(bytes(field(9, wireType))), new RegExp(`wire type ${wireType}`))
  }
})

test('unknown groups nest as deep as protobufjs allows, and no deeper', (t) => {
  const nested = (depth: number): Buffer =>
    bytes(
      ...Array.from({ length: depth }, () => field(9, 3)),
      field(1, 0),
      1,
      ...Array.from({ length: depth }, () => field(9, 4)),
    )
  let deepest = 0
  while (!(protobufjs('ReadRequest', nested(deepest + 1)) instanceof Error)) deepest++
  t.true(deepest > 90 && deepest < 110, `protobufjs allows ${deepest}`)
  t.notThrows(() => decodeReadRequest(nested(deepest)))
  refuses(() => decodeReadRequest(nested(deepest + 1)), /nested too deep/)
})

test('a repeated scalar or submessage: the last one wins, whole (as protobufjs; protoc would merge submessages)', (t) => {
  const request = bytes(delimited(1, 'A'), field(3, 0), 5, delimited(1, 'B'), field(3, 0), 6)
  t.like(protobufjs('WriteRequest', request), { id: 'B', low: '6' })
  t.like(decodeWriteRequest(request), { id: 'B', low: 6n })
  // commit: Version { seq: 5 } then Version { epoch: 7 } reads as { seq: 0, epoch: 7 }.
  const twice = bytes(field(1, 0), 7, delimited(11, bytes(field(1, 0), 5)), delimited(11, bytes(field(2, 0), 7)))
  t.like(protobufjs('ReplicaMessage', twice), { commit: { seq: '0', epoch: '7' } })
  t.like(decodeOne(twice), { message: { type: 'commit', ts: { seq: 0n, epoch: 7n } } })
})

test('of a oneof, the member that comes last on the wire wins; a member it replaced needs nothing', (t) => {
  const store = delimited(6, delimited(1, '')) // a store without its value: malformed if it were the body
  t.like(decodeOne(bytes(field(1, 0), 7, store, delimited(4, ''))), { message: { type: 'query', reqId: 7 } })
  t.regex(malformed(decodeOne(bytes(field(1, 0), 7, delimited(4, ''), store))), /missing register value/)
})

test('strings must be UTF-8: a request flags it (INVALID_ARGUMENT), a replica message is malformed, a batch refused', (t) => {
  const bad = Uint8Array.of(0xc3, 0x28)
  // protobufjs's BufferReader replaces the bad bytes with U+FFFD; its portable Reader even reads them as 'è'.
  t.like(protobufjs('ReadRequest', delimited(1, bad)), { id: '\u00e8' }, 'protobufjs accepts them')
  t.true(decodeReadRequest(delimited(1, bad))[INVALID_UTF8])
  t.regex(malformed(decodeOne(bytes(field(1, 0), 7, delimited(2, bad), delimited(8, '')))), /not UTF-8/)
  refuses(() => decodeReplicaBatch(delimited(1, bad)), /not UTF-8/)
})

test('a message that does not parse is malformed while its batch mates count; a batch that does not parse is refused', (t) => {
  const good = bytes(field(1, 0), 7, delimited(8, ''))
  const batch = decodeReplicaBatch(bytes(delimited(3, bytes(field(1, 0), 0x80)), delimited(3, good)))
  t.regex(malformed(batch.messages[0]!), /past the end of its message/)
  t.like(batch.messages[1], { message: { type: 'query-same', reqId: 7 } })
  refuses(() => decodeReplicaBatch(bytes(field(3, 2), 9, good)), /past the end/)
})
