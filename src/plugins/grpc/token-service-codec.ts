import type * as grpc from '@grpc/grpc-js'
import protobuf from 'protobufjs/minimal.js'
import type { Timestamp } from '../../core/protocol/timestamp.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { RegisterValue } from '../../core/token/token-value.js'
import { writeArgmin, writeBool, writeString, writeTokenFields, writeVersion } from './protobuf-fields.js'
import { INVALID_UTF8 } from './strict-utf8.js'
import { isUtf8Range, LEN, tagOf, utf8Slice, VARINT, WireReader } from './wire-reader.js'

/*
 * TokenService.Read and Write, the hot methods, decoded and encoded by hand, straight to and from the core's types.
 * Through proto-loader every uint64 went bigint -> decimal string -> Long -> varint and back, a tenth of a read's
 * CPU on the node that answers; this is the same wire format, field for field (fuzzed against protobufjs in
 * test/plugins/grpc/differential-decoding.test.ts), and requests get the strict UTF-8 check in the same pass.
 */

/** A decoded Read or Write request: what proto-loader would give with uint64 as bigint (absent fields are zero). */
export interface TokenRequest {
  id: string
  name: string
  low: bigint
  mid: bigint
  high: bigint
  [INVALID_UTF8]?: true
}

export interface ReadReplyFields {
  readonly id: string
  readonly ts: Timestamp
  readonly value: RegisterValue
  readonly writer: string
  readonly readers: readonly string[]
  readonly servedBy: string
}

export interface WriteReplyFields {
  readonly id: string
  readonly partial: Argmin | undefined
  readonly ts: Timestamp
  readonly servedBy: string
}

const finish = (w: protobuf.Writer): Buffer => {
  const bytes = w.finish()
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function encodeReadReply(reply: ReadReplyFields): Buffer {
  const w = protobuf.Writer.create()
  writeString(w, 1, reply.id)
  if (reply.value.kind === 'token') {
    writeBool(w, 2, true)
    writeTokenFields(w, reply.value.token, 3)
  }
  writeVersion(w, 9, reply.ts)
  writeString(w, 10, reply.writer)
  // Repeated strings are written even when empty, as proto-loader does.
  for (const reader of reply.readers) w.uint32((11 << 3) | 2).string(reader)
  writeString(w, 12, reply.servedBy)
  return finish(w)
}

export function encodeWriteReply(reply: WriteReplyFields): Buffer {
  const w = protobuf.Writer.create()
  writeString(w, 1, reply.id)
  writeArgmin(w, 2, reply.partial)
  writeVersion(w, 3, reply.ts)
  writeString(w, 4, reply.servedBy)
  return finish(w)
}

const ID = tagOf(1, LEN)
const NAME = tagOf(2, LEN)
const LOW = tagOf(3, VARINT)
const MID = tagOf(4, VARINT)
const HIGH = tagOf(5, VARINT)

/**
 * Decodes a ReadRequest (known fields: 1) or a WriteRequest (1-5) as strictly as wire-reader.ts: bytes that do
 * not parse throw InvalidArgumentError (grpc-js then answers INTERNAL, as for any request it cannot
 * deserialize). A string that is not UTF-8 is read anyway and flagged, so that the service answers
 * INVALID_ARGUMENT naming the problem. Fields numbered above `lastField` are unknown and skipped.
 */
function decodeTokenRequest(bytes: Buffer, lastField: number): TokenRequest {
  const r = new WireReader(bytes)
  const request: TokenRequest = { id: '', name: '', low: 0n, mid: 0n, high: 0n }
  while (r.pos < r.len) {
    const t = r.tag()
    if (t >>> 3 > lastField) r.skip(t, 0)
    else if (t === ID || t === NAME) {
      const end = r.end()
      const start = r.pos
      r.pos = end
      if (!isUtf8Range(bytes, start, end)) request[INVALID_UTF8] = true
      request[t === ID ? 'id' : 'name'] = utf8Slice(bytes, start, end)
    } else if (t === LOW) request.low = r.u64()
    else if (t === MID) request.mid = r.u64()
    else if (t === HIGH) request.high = r.u64()
    else r.skipUnknown(t, lastField, 0)
  }
  return request
}

export const decodeReadRequest = (bytes: Buffer): TokenRequest => decodeTokenRequest(bytes, 1)
export const decodeWriteRequest = (bytes: Buffer): TokenRequest => decodeTokenRequest(bytes, 5)

/** TokenService with Read and Write going through this codec; the other methods keep proto-loader's. */
export function withFastCodec(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return {
    ...service,
    Read: {
      ...service.Read!,
      requestDeserialize: decodeReadRequest,
      responseSerialize: encodeReadReply as (value: unknown) => Buffer,
    },
    Write: {
      ...service.Write!,
      requestDeserialize: decodeWriteRequest,
      responseSerialize: encodeWriteReply as (value: unknown) => Buffer,
    },
  }
}
