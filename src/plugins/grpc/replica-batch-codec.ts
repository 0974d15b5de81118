import * as grpc from '@grpc/grpc-js'
import protobuf from 'protobufjs/minimal.js'
import { InvalidArgumentError } from '../../core/errors.js'
import type { AnswerFields, KnownVersion, NodeId, ReplicaMessage } from '../../core/protocol/messages.js'
import type { Timestamp } from '../../core/protocol/timestamp.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { RegisterValue, TokenValue } from '../../core/token/token-value.js'
import { loadTokenManagerPackage } from './proto.js'
import { LEN, readU64, tag, VARINT, writeBool, writeEmpty, writeString, writeTokenFields, writeU64, writeVersion } from './protobuf-fields.js'

/*
 * ReplicaBatch (proto/tokenmanager/v1/token_manager.proto) encoded and decoded by hand, straight from and to the
 * core's message types. The generic path (proto-loader: objects with uint64 as decimal strings, fromObject /
 * toObject, then our conversion to bigint) cost a fifth of a replica's CPU under load; this is the same wire
 * format, field for field, and the compliance and fuzz suites talk to it through proto-loader clients.
 */

/** One message of a batch as it travels: its addressee and the core message. */
export interface OutgoingMessage {
  readonly to: NodeId
  readonly message: ReplicaMessage
}

export interface OutgoingBatch {
  readonly from: NodeId
  readonly fingerprint: string
  readonly messages: readonly OutgoingMessage[]
  readonly incarnation?: number
}

/** A decoded message, or why it is malformed (the batch's other messages still count). */
export type IncomingMessage = OutgoingMessage | { readonly malformed: string }

export interface IncomingBatch {
  readonly from: NodeId
  readonly scheme_fingerprint: string
  readonly messages: readonly IncomingMessage[]
  readonly incarnation?: number
}

const { Writer, Reader } = protobuf
type ProtoReader = protobuf.Reader
type ProtoWriter = protobuf.Writer

function writeVersioned(w: ProtoWriter, field: number, ts: Timestamp, value: RegisterValue): void {
  w.uint32(tag(field, LEN)).fork()
  writeVersion(w, 1, ts)
  w.uint32(tag(2, LEN)).fork()
  if (value.kind === 'empty') writeEmpty(w, 1)
  else if (value.kind === 'absent') writeEmpty(w, 2)
  else {
    w.uint32(tag(3, LEN)).fork()
    writeTokenFields(w, value.token, 1)
    w.ldelim()
  }
  w.ldelim()
  w.ldelim()
}

function writeQuery(w: ProtoWriter, known: KnownVersion | undefined): void {
  if (known === undefined) return writeEmpty(w, 4)
  w.uint32(tag(4, LEN)).fork()
  writeVersion(w, 1, known.ts)
  writeBool(w, 2, known.complete)
  w.ldelim()
}

function writeStoreAck(w: ProtoWriter, holders: readonly NodeId[] | undefined): void {
  if (holders === undefined) return writeEmpty(w, 7)
  w.uint32(tag(7, LEN)).fork()
  for (const holder of holders) w.uint32(tag(1, LEN)).string(holder)
  writeBool(w, 2, true)
  w.ldelim()
}

function writeLeaseRequest(w: ProtoWriter, ts: Timestamp): void {
  w.uint32(tag(9, LEN)).fork()
  writeVersion(w, 1, ts)
  w.ldelim()
}

function writeLeaseGrant(w: ProtoWriter, leaseMs: number, committed: Timestamp): void {
  w.uint32(tag(10, LEN)).fork()
  writeU64(w, 1, BigInt(leaseMs))
  writeVersion(w, 2, committed)
  w.ldelim()
}

function writeAnswerFields(w: ProtoWriter, m: AnswerFields): void {
  if (m.re !== undefined) writeU64(w, 14, BigInt(m.re))
  if (m.recovering === true) writeBool(w, 15, true)
  if (m.fence !== undefined) writeU64(w, 16, m.fence)
  if (m.fenced === true) writeBool(w, 17, true)
}

function writeMessage(w: ProtoWriter, { to, message: m }: OutgoingMessage): void {
  w.uint32(tag(3, LEN)).fork()
  writeU64(w, 1, BigInt(m.reqId))
  writeString(w, 2, m.token)
  writeString(w, 3, to)
  switch (m.type) {
    case 'query': writeQuery(w, m.known); break
    case 'query-same': writeEmpty(w, 8); break
    case 'query-reply': writeVersioned(w, 5, m.ts, m.value); break
    case 'store': writeVersioned(w, 6, m.ts, m.value); break
    case 'store-ack': writeStoreAck(w, m.holders); break
    case 'lease-request': writeLeaseRequest(w, m.ts); break
    case 'lease-grant': writeLeaseGrant(w, m.leaseMs, m.committed); break
    case 'commit': writeVersion(w, 11, m.ts); break
  }
  if ((m.type === 'query-same' || m.type === 'query-reply') && m.committed !== undefined) writeVersion(w, 12, m.committed)
  if ((m.type === 'query' || m.type === 'store') && m.writerEpoch !== undefined) writeU64(w, 13, m.writerEpoch)
  if (m.type === 'query' && m.recover === true) writeBool(w, 18, true)
  if (m.type === 'query-reply' || m.type === 'query-same' || m.type === 'store-ack' || m.type === 'lease-grant') writeAnswerFields(w, m)
  w.ldelim()
}

export function encodeReplicaBatch(batch: OutgoingBatch): Buffer {
  const w = Writer.create()
  writeString(w, 1, batch.from)
  writeString(w, 2, batch.fingerprint)
  for (const message of batch.messages) writeMessage(w, message)
  if (batch.incarnation !== undefined) writeU64(w, 4, BigInt(batch.incarnation))
  const bytes = w.finish()
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Reads the fields of one length-delimited message, calling `field` for each; unknown fields are skipped. */
function readFields(r: ProtoReader, end: number, field: (number: number, wireType: number) => boolean): void {
  while (r.pos < end) {
    const t = r.uint32()
    if (!field(t >>> 3, t & 7)) r.skipType(t & 7)
  }
  if (r.pos !== end) throw new InvalidArgumentError('truncated field')
}

const endOf = (r: ProtoReader): number => r.uint32() + r.pos

function readArgmin(r: ProtoReader): Argmin {
  let nonce = 0n
  let hash = 0n
  readFields(r, endOf(r), (n, wt) => {
    if (n === 1 && wt === VARINT) nonce = readU64(r)
    else if (n === 2 && wt === VARINT) hash = readU64(r)
    else return false
    return true
  })
  return { nonce, hash }
}

function readToken(r: ProtoReader): TokenValue {
  const t = { name: '', low: 0n, mid: 0n, high: 0n, partial: undefined as Argmin | undefined, final: undefined as Argmin | undefined }
  readFields(r, endOf(r), (n, wt) => {
    if (n === 1 && wt === LEN) t.name = r.string()
    else if (n >= 2 && n <= 4 && wt === VARINT) t[(['low', 'mid', 'high'] as const)[n - 2]!] = readU64(r)
    else if (n === 5 && wt === LEN) t.partial = readArgmin(r)
    else if (n === 6 && wt === LEN) t.final = readArgmin(r)
    else return false
    return true
  })
  return t
}

function readValue(r: ProtoReader): RegisterValue | undefined {
  let value: RegisterValue | undefined
  readFields(r, endOf(r), (n, wt) => {
    if (wt !== LEN || n < 1 || n > 3) return false
    if (n === 3) value = { kind: 'token', token: readToken(r) }
    else {
      r.skipType(LEN)
      value = { kind: n === 1 ? 'empty' : 'absent' }
    }
    return true
  })
  return value
}

function readVersion(r: ProtoReader): Timestamp {
  const version = { seq: 0n, epoch: 0n }
  readFields(r, endOf(r), (n, wt) => {
    if (wt !== VARINT || (n !== 1 && n !== 2)) return false
    version[n === 1 ? 'seq' : 'epoch'] = readU64(r)
    return true
  })
  return version
}

function readQuery(r: ProtoReader): { known?: KnownVersion } {
  let ts: Timestamp | undefined
  let complete = false
  readFields(r, endOf(r), (n, wt) => {
    if (n === 1 && wt === LEN) ts = readVersion(r)
    else if (n === 2 && wt === VARINT) complete = r.bool()
    else return false
    return true
  })
  return ts === undefined ? {} : { known: { ts, complete } }
}

function readStoreAck(r: ProtoReader): { holders?: NodeId[] } {
  const holders: NodeId[] = []
  let known = false
  readFields(r, endOf(r), (n, wt) => {
    if (n === 1 && wt === LEN) holders.push(r.string())
    else if (n === 2 && wt === VARINT) known = r.bool()
    else return false
    return true
  })
  return known ? { holders } : {}
}

function readLeaseRequest(r: ProtoReader): { ts: Timestamp } {
  let ts: Timestamp = { seq: 0n, epoch: 0n }
  readFields(r, endOf(r), (n, wt) => {
    if (n !== 1 || wt !== LEN) return false
    ts = readVersion(r)
    return true
  })
  return { ts }
}

function readLeaseGrant(r: ProtoReader): { leaseMs: number; committed: Timestamp } {
  let leaseMs = 0n
  let committed: Timestamp = { seq: 0n, epoch: 0n }
  readFields(r, endOf(r), (n, wt) => {
    if (n === 1 && wt === VARINT) leaseMs = readU64(r)
    else if (n === 2 && wt === LEN) committed = readVersion(r)
    else return false
    return true
  })
  // Beyond any sane lease: the node refuses the grant as implausible rather than lose precision here.
  return { leaseMs: leaseMs > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(leaseMs), committed }
}

function readVersioned(r: ProtoReader): { ts: Timestamp; value: RegisterValue } {
  let ts: Timestamp | undefined
  let value: RegisterValue | undefined
  readFields(r, endOf(r), (n, wt) => {
    if (wt !== LEN) return false
    if (n === 1) ts = readVersion(r)
    else if (n === 2) value = readValue(r)
    else return false
    return true
  })
  if (ts === undefined) throw new InvalidArgumentError('missing version')
  if (value === undefined) throw new InvalidArgumentError('missing register value')
  return { ts, value }
}

type BodyDecoder = (base: { reqId: number; token: string }) => ReplicaMessage

/** The decoder of a length-delimited body field (4-7, 9-11); field 8 carries nothing. */
function bodyDecoder(n: number, bytes: Uint8Array): BodyDecoder {
  switch (n) {
    case 4: return (b) => ({ type: 'query', ...b, ...readQuery(Reader.create(bytes)) })
    case 5: return (b) => ({ type: 'query-reply', ...b, ...readVersioned(Reader.create(bytes)) })
    case 6: return (b) => ({ type: 'store', ...b, ...readVersioned(Reader.create(bytes)) })
    case 7: return (b) => ({ type: 'store-ack', ...b, ...readStoreAck(Reader.create(bytes)) })
    case 9: return (b) => ({ type: 'lease-request', ...b, ...readLeaseRequest(Reader.create(bytes)) })
    case 10: return (b) => ({ type: 'lease-grant', ...b, ...readLeaseGrant(Reader.create(bytes)) })
    default: return (b) => ({ type: 'commit', ...b, ts: readVersion(Reader.create(bytes)) })
  }
}

function readMessage(r: ProtoReader, end: number): IncomingMessage {
  let reqId = 0n
  let token = ''
  let to = ''
  let body: BodyDecoder | undefined
  let committed: Uint8Array | undefined
  let writerEpoch: bigint | undefined
  const answer: { re?: number; recovering?: boolean; fence?: bigint; fenced?: boolean } = {}
  let re = 0n
  let recover = false
  readFields(r, end, (n, wt) => {
    if (n === 1 && wt === VARINT) reqId = readU64(r)
    else if (n === 13 && wt === VARINT) writerEpoch = readU64(r)
    else if (n === 14 && wt === VARINT) re = readU64(r)
    else if (n === 15 && wt === VARINT) answer.recovering = r.bool()
    else if (n === 16 && wt === VARINT) answer.fence = readU64(r)
    else if (n === 17 && wt === VARINT) answer.fenced = r.bool()
    else if (n === 18 && wt === VARINT) recover = r.bool()
    else if (n === 2 && wt === LEN) token = r.string()
    else if (n === 3 && wt === LEN) to = r.string()
    else if (n === 8 && wt === LEN) {
      r.skipType(LEN)
      body = (b) => ({ type: 'query-same', ...b })
    } else if (n >= 4 && n <= 12 && wt === LEN) {
      const start = r.pos
      r.skipType(LEN)
      const bytes = r.buf.subarray(start, r.pos)
      // Decoded only once the message is known to be well formed up to here; a bad body marks this message only.
      if (n === 12) committed = bytes
      else body = bodyDecoder(n, bytes)
    } else return false
    return true
  })
  if (reqId > BigInt(Number.MAX_SAFE_INTEGER)) return { malformed: `bad req_id ${reqId}` }
  if (re > BigInt(Number.MAX_SAFE_INTEGER)) return { malformed: `bad reply_to ${re}` }
  if (re !== 0n) answer.re = Number(re)
  if (body === undefined) return { malformed: 'replica message without a body' }
  try {
    let message = body({ reqId: Number(reqId), token })
    if (recover && message.type === 'query') message = { ...message, recover: true }
    if (message.type === 'query-reply' || message.type === 'query-same' || message.type === 'store-ack' || message.type === 'lease-grant') {
      message = withAnswerFields(message, answer)
    }
    if (committed !== undefined && (message.type === 'query-reply' || message.type === 'query-same')) {
      return { to, message: { ...message, committed: readVersion(Reader.create(committed)) } }
    }
    if (writerEpoch !== undefined && (message.type === 'query' || message.type === 'store')) return { to, message: { ...message, writerEpoch } }
    return { to, message }
  } catch (error) {
    return { malformed: error instanceof Error ? error.message : String(error) }
  }
}

/** Only the fields set: an answer without them stays the same object shape as before. */
function withAnswerFields(message: ReplicaMessage, answer: AnswerFields): ReplicaMessage {
  if (answer.re === undefined && answer.recovering !== true && answer.fence === undefined && answer.fenced !== true) return message
  return { ...message, ...(answer.re !== undefined && { re: answer.re }), ...(answer.recovering === true && { recovering: true }),
    ...(answer.fence !== undefined && { fence: answer.fence }), ...(answer.fenced === true && { fenced: true }) } as ReplicaMessage
}

/** Decodes a ReplicaBatch; throws on bytes that are not one (grpc-js then ends the stream). */
export function decodeReplicaBatch(bytes: Buffer): IncomingBatch {
  const r = Reader.create(bytes)
  let from = ''
  let fingerprint = ''
  let incarnation = 0n
  const messages: IncomingMessage[] = []
  readFields(r, bytes.length, (n, wt) => {
    if (n === 1 && wt === LEN) from = r.string()
    else if (n === 4 && wt === VARINT) incarnation = readU64(r)
    else if (n === 2 && wt === LEN) fingerprint = r.string()
    else if (n === 3 && wt === LEN) {
      const end = endOf(r)
      messages.push(readMessage(r, end))
    } else return false
    return true
  })
  // Beyond a safe integer no node of ours sent it: treated as absent (the node then checks no incarnation).
  if (incarnation === 0n || incarnation > BigInt(Number.MAX_SAFE_INTEGER)) return { from, scheme_fingerprint: fingerprint, messages }
  return { from, scheme_fingerprint: fingerprint, messages, incarnation: Number(incarnation) }
}

let fastService: grpc.ServiceDefinition | undefined
let fastClient: grpc.ServiceClientConstructor | undefined

/** ReplicaService as proto-loader defines it, with this codec for the batches (the summary keeps the generic one). */
export function replicaServiceDefinition(): grpc.ServiceDefinition {
  if (fastService !== undefined) return fastService
  const generic = loadTokenManagerPackage().ReplicaService.service
  fastService = { Exchange: { ...generic.Exchange!, requestSerialize: encodeReplicaBatch as (value: unknown) => Buffer,
    requestDeserialize: decodeReplicaBatch } } as grpc.ServiceDefinition
  return fastService
}

/** A ReplicaService client whose Exchange stream takes OutgoingBatch objects. */
export function replicaClientConstructor(): grpc.ServiceClientConstructor {
  fastClient ??= grpc.makeClientConstructor(replicaServiceDefinition() as grpc.ServiceDefinition<grpc.UntypedServiceImplementation>, 'ReplicaService')
  return fastClient
}
