import type * as grpc from '@grpc/grpc-js'
import { isUtf8 } from 'node:buffer'
import protobuf from 'protobufjs/minimal.js'
import type { Timestamp } from '../../core/protocol/timestamp.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { RegisterValue } from '../../core/token/token-value.js'
import { readU64, writeArgmin, writeBool, writeString, writeTokenFields, writeVersion } from './protobuf-fields.js'
import { INVALID_UTF8 } from './strict-utf8.js'

/*
 * TokenService.Read and Write, the hot methods, decoded and encoded by hand, straight to and from the core's types.
 * Through proto-loader every uint64 went bigint -> decimal string -> Long -> varint and back, a tenth of a read's
 * CPU on the node that answers; this is the same wire format, field for field (property-tested against
 * proto-loader), and requests get the strict UTF-8 check in the same pass.
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

/**
 * Decodes a ReadRequest (known fields: 1) or a WriteRequest (1-5) exactly as protobufjs's generated decoder does:
 * a known field is read as its declared type whatever its wire type, others are skipped by wire type, and bytes
 * that do not parse throw (grpc-js then answers INTERNAL). The fuzz suites hold it to proto-loader's verdicts.
 */
function decodeTokenRequest(bytes: Buffer, lastField: number): TokenRequest {
  const r = protobuf.Reader.create(bytes)
  const request: TokenRequest = { id: '', name: '', low: 0n, mid: 0n, high: 0n }
  while (r.pos < r.len) {
    const t = r.uint32()
    const field = t >>> 3
    if (field > lastField || field === 0) {
      r.skipType(t & 7)
    } else if (field <= 2) {
      // As protobufjs's BufferReader does: a string running past the end is cut there, not refused.
      const length = r.uint32()
      const start = r.pos
      r.pos = Math.min(start + length, r.len)
      const raw = bytes.subarray(start, r.pos)
      if (!isUtf8(raw)) request[INVALID_UTF8] = true
      request[field === 1 ? 'id' : 'name'] = raw.toString('utf8')
    } else {
      request[field === 3 ? 'low' : field === 4 ? 'mid' : 'high'] = readU64(r)
    }
  }
  return request
}

export const decodeReadRequest = (bytes: Buffer): TokenRequest => decodeTokenRequest(bytes, 1)
export const decodeWriteRequest = (bytes: Buffer): TokenRequest => decodeTokenRequest(bytes, 5)

/** TokenService with Read and Write going through this codec; the other methods keep proto-loader's. */
export function withFastCodec(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return {
    ...service,
    Read: { ...service.Read!, requestDeserialize: decodeReadRequest, responseSerialize: encodeReadReply as (value: unknown) => Buffer },
    Write: { ...service.Write!, requestDeserialize: decodeWriteRequest, responseSerialize: encodeWriteReply as (value: unknown) => Buffer },
  }
}
