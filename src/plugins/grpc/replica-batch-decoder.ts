import { InvalidArgumentError } from '../../core/errors.js'
import type { KnownVersion, NodeId, ReplicaMessage } from '../../core/protocol/messages.js'
import type { Timestamp } from '../../core/protocol/timestamp.js'
import { parseTraceparent } from '../../core/protocol/trace-context.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { RegisterValue, TokenValue } from '../../core/token/token-value.js'
import { LEN, tagOf, VARINT, WireReader } from './wire-reader.js'

/*
 * The ReplicaBatch decoder (proto/tokenmanager/v1/token_manager.proto), straight to the core's message types and
 * as strict as wire-reader.ts. A batch whose own fields do not parse is refused (grpc-js then ends the stream); a
 * message whose bytes do not parse, or that lacks what its body needs, is marked malformed and its batch mates
 * still count. Repeated scalars and submessages follow protobufjs: the last one wins, whole (no merging), and
 * so does the last member of a oneof. Each reader gets its message's nesting depth, for the group depth limit.
 */

export interface OutgoingMessage {
  readonly to: NodeId
  readonly message: ReplicaMessage
}

/** A decoded message, or why it is malformed (the batch's other messages still count). */
export type IncomingMessage = OutgoingMessage | { readonly malformed: string }

export interface IncomingBatch {
  readonly from: NodeId
  readonly scheme_fingerprint: string
  readonly messages: readonly IncomingMessage[]
  /** The sender's incarnation; absent when 0 or beyond a safe integer (no node of ours sends those). */
  readonly incarnation?: number
}

// Tags as numbers, so that the decoders switch on one varint: field n with wire type VARINT is VARINT_n.
const LEN_1 = tagOf(1, LEN)
const LEN_2 = tagOf(2, LEN)
const LEN_3 = tagOf(3, LEN)
const LEN_5 = tagOf(5, LEN)
const LEN_6 = tagOf(6, LEN)
const VARINT_1 = tagOf(1, VARINT)
const VARINT_2 = tagOf(2, VARINT)
const VARINT_3 = tagOf(3, VARINT)
const VARINT_4 = tagOf(4, VARINT)

// ReplicaMessage's fields.
const REQ_ID = tagOf(1, VARINT)
const TOKEN = tagOf(2, LEN)
const TO = tagOf(3, LEN)
const QUERY = tagOf(4, LEN)
const QUERY_REPLY = tagOf(5, LEN)
const STORE = tagOf(6, LEN)
const STORE_ACK = tagOf(7, LEN)
const QUERY_SAME = tagOf(8, LEN)
const LEASE_REQUEST = tagOf(9, LEN)
const LEASE_GRANT = tagOf(10, LEN)
const COMMIT = tagOf(11, LEN)
const COMMITTED = tagOf(12, LEN)
const WRITER_EPOCH = tagOf(13, VARINT)
const REPLY_TO = tagOf(14, VARINT)
const RECOVERING = tagOf(15, VARINT)
const FENCE = tagOf(16, VARINT)
const FENCED = tagOf(17, VARINT)
const RECOVER = tagOf(18, VARINT)
const FRESH = tagOf(19, VARINT)
const TRACEPARENT = tagOf(20, LEN)
const LAST_MESSAGE_FIELD = 20
// ReplicaBatch's incarnation.
const INCARNATION = tagOf(4, VARINT)

/** An absent Version reads as zero; shared, so frozen. */
const ZERO: Timestamp = Object.freeze({ seq: 0n, epoch: 0n })

function readArgmin(r: WireReader, depth: number): Argmin {
  const end = r.end()
  let nonce = 0n
  let hash = 0n
  while (r.pos < end) {
    const t = r.tag()
    if (t === VARINT_1) nonce = r.u64()
    else if (t === VARINT_2) hash = r.u64()
    else r.skipUnknown(t, 2, depth)
  }
  r.checkEnd(end)
  return { nonce, hash }
}

function readVersion(r: WireReader, depth: number): Timestamp {
  const end = r.end()
  let seq = 0n
  let epoch = 0n
  while (r.pos < end) {
    const t = r.tag()
    if (t === VARINT_1) seq = r.u64()
    else if (t === VARINT_2) epoch = r.u64()
    else r.skipUnknown(t, 2, depth)
  }
  r.checkEnd(end)
  return { seq, epoch }
}

function readToken(r: WireReader, depth: number): TokenValue {
  const end = r.end()
  const t: { -readonly [K in keyof TokenValue]: TokenValue[K] } = {
    name: '',
    low: 0n,
    mid: 0n,
    high: 0n,
    partial: undefined,
    final: undefined,
  }
  while (r.pos < end) {
    const tag = r.tag()
    switch (tag) {
      case LEN_1:
        t.name = r.string()
        break
      case VARINT_2:
        t.low = r.u64()
        break
      case VARINT_3:
        t.mid = r.u64()
        break
      case VARINT_4:
        t.high = r.u64()
        break
      case LEN_5:
        t.partial = readArgmin(r, depth + 1)
        break
      case LEN_6:
        t.final = readArgmin(r, depth + 1)
        break
      default:
        r.skipUnknown(tag, 6, depth)
    }
  }
  r.checkEnd(end)
  return t
}

/** A RegisterValue, or undefined when none of its oneof is set. */
function readValue(r: WireReader, depth: number): RegisterValue | undefined {
  const end = r.end()
  let value: RegisterValue | undefined
  while (r.pos < end) {
    const t = r.tag()
    if (t === LEN_1 || t === LEN_2) {
      r.skipMessage(r.end(), depth + 1)
      value = { kind: t === LEN_1 ? 'empty' : 'absent' }
    } else if (t === LEN_3) value = { kind: 'token', token: readToken(r, depth + 1) }
    else r.skipUnknown(t, 3, depth)
  }
  r.checkEnd(end)
  return value
}

/** A Versioned body; what it lacks is checked only if it is the message's last body (see `assemble`). */
function readVersioned(r: WireReader, depth: number): { ts?: Timestamp; value?: RegisterValue } {
  const end = r.end()
  const versioned: { ts?: Timestamp; value?: RegisterValue } = {}
  while (r.pos < end) {
    const t = r.tag()
    if (t === LEN_1) versioned.ts = readVersion(r, depth + 1)
    else if (t === LEN_2) versioned.value = readValue(r, depth + 1)
    else r.skipUnknown(t, 2, depth)
  }
  r.checkEnd(end)
  return versioned
}

function readQuery(r: WireReader, depth: number): { known?: KnownVersion } {
  const end = r.end()
  let ts: Timestamp | undefined
  let complete = false
  while (r.pos < end) {
    const t = r.tag()
    if (t === LEN_1) ts = readVersion(r, depth + 1)
    else if (t === VARINT_2) complete = r.bool()
    else r.skipUnknown(t, 2, depth)
  }
  r.checkEnd(end)
  return ts === undefined ? {} : { known: { ts, complete } }
}

function readStoreAck(r: WireReader, depth: number): { holders?: NodeId[] } {
  const end = r.end()
  const holders: NodeId[] = []
  let known = false
  while (r.pos < end) {
    const t = r.tag()
    if (t === LEN_1) holders.push(r.string())
    else if (t === VARINT_2) known = r.bool()
    else r.skipUnknown(t, 2, depth)
  }
  r.checkEnd(end)
  return known ? { holders } : {}
}

function readLeaseRequest(r: WireReader, depth: number): { ts: Timestamp } {
  const end = r.end()
  let ts = ZERO
  while (r.pos < end) {
    const t = r.tag()
    if (t === LEN_1) ts = readVersion(r, depth + 1)
    else r.skipUnknown(t, 1, depth)
  }
  r.checkEnd(end)
  return { ts }
}

function readLeaseGrant(r: WireReader, depth: number): { leaseMs: number; committed: Timestamp } {
  const end = r.end()
  let leaseMs = 0n
  let committed = ZERO
  while (r.pos < end) {
    const t = r.tag()
    if (t === VARINT_1) leaseMs = r.u64()
    else if (t === LEN_2) committed = readVersion(r, depth + 1)
    else r.skipUnknown(t, 2, depth)
  }
  r.checkEnd(end)
  // Beyond any sane lease: the node refuses the grant as implausible rather than lose precision here.
  return { leaseMs: leaseMs > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(leaseMs), committed }
}

/** The fields of one message as read, before the checks that need all of them. */
interface MessageFields {
  reqId: bigint
  token: string
  to: string
  type: ReplicaMessage['type'] | undefined
  body: { ts?: Timestamp; value?: RegisterValue; [key: string]: unknown }
  committed: Timestamp | undefined
  writerEpoch: bigint
  /** Answer fields (AnswerFields) and a recovery query's flag; proto3 zero values mean absent. */
  replyTo: bigint
  recovering: boolean
  fence: bigint
  fenced: boolean
  recover: boolean
  fresh: boolean
  /** The W3C traceparent of a recorded operation's round ('' when none). */
  traceparent: string
}

function readMessageFields(r: WireReader, end: number): MessageFields {
  const m: MessageFields = {
    reqId: 0n,
    token: '',
    to: '',
    type: undefined,
    body: {},
    committed: undefined,
    writerEpoch: 0n,
    replyTo: 0n,
    recovering: false,
    fence: 0n,
    fenced: false,
    recover: false,
    fresh: false,
    traceparent: '',
  }
  const depth = 1
  while (r.pos < end) {
    const t = r.tag()
    switch (t) {
      case REQ_ID:
        m.reqId = r.u64()
        break
      case TOKEN:
        m.token = r.string()
        break
      case TO:
        m.to = r.string()
        break
      case QUERY:
        m.type = 'query'
        m.body = readQuery(r, depth + 1)
        break
      case QUERY_REPLY:
        m.type = 'query-reply'
        m.body = readVersioned(r, depth + 1)
        break
      case STORE:
        m.type = 'store'
        m.body = readVersioned(r, depth + 1)
        break
      case STORE_ACK:
        m.type = 'store-ack'
        m.body = readStoreAck(r, depth + 1)
        break
      case QUERY_SAME:
        m.type = 'query-same'
        m.body = {}
        r.skipMessage(r.end(), depth + 1)
        break
      case LEASE_REQUEST:
        m.type = 'lease-request'
        m.body = readLeaseRequest(r, depth + 1)
        break
      case LEASE_GRANT:
        m.type = 'lease-grant'
        m.body = readLeaseGrant(r, depth + 1)
        break
      case COMMIT:
        m.type = 'commit'
        m.body = { ts: readVersion(r, depth + 1) }
        break
      case COMMITTED:
        m.committed = readVersion(r, depth + 1)
        break
      case WRITER_EPOCH:
        m.writerEpoch = r.u64()
        break
      case REPLY_TO:
        m.replyTo = r.u64()
        break
      case RECOVERING:
        m.recovering = r.bool()
        break
      case FENCE:
        m.fence = r.u64()
        break
      case FENCED:
        m.fenced = r.bool()
        break
      case RECOVER:
        m.recover = r.bool()
        break
      case FRESH:
        m.fresh = r.bool()
        break
      case TRACEPARENT:
        m.traceparent = r.string()
        break
      default:
        r.skipUnknown(t, LAST_MESSAGE_FIELD, depth)
    }
  }
  r.checkEnd(end)
  return m
}

/** The core message from its fields; throws InvalidArgumentError when the body lacks what its type needs. */
function assemble(m: MessageFields): ReplicaMessage {
  if (m.reqId > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(`bad req_id ${m.reqId}`)
  if (m.type === undefined) throw new InvalidArgumentError('replica message without a body')
  if (m.type === 'query-reply' || m.type === 'store') {
    if (m.body.ts === undefined) throw new InvalidArgumentError('missing version')
    if (m.body.value === undefined) throw new InvalidArgumentError('missing register value')
  }
  if (m.replyTo > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(`bad reply_to ${m.replyTo}`)
  const message: Record<string, unknown> = { type: m.type, reqId: Number(m.reqId), token: m.token, ...m.body }
  if (m.committed !== undefined && (m.type === 'query-reply' || m.type === 'query-same'))
    message.committed = m.committed
  // proto3: a writer_epoch of 0 is the same as none (epochs start at 1).
  if (m.writerEpoch !== 0n && (m.type === 'query' || m.type === 'store')) message.writerEpoch = m.writerEpoch
  if (m.recover && m.type === 'query') message.recover = true
  // A context that does not parse is dropped, not the message: tracing never changes what the protocol does.
  const trace = m.traceparent === '' ? undefined : parseTraceparent(m.traceparent)
  if (trace !== undefined && (m.type === 'query' || m.type === 'store')) message.trace = trace
  if (m.type === 'query-reply' || m.type === 'query-same' || m.type === 'store-ack' || m.type === 'lease-grant')
    addAnswerFields(message, m)
  return message as unknown as ReplicaMessage
}

/** Only the fields set, as the encoder writes them (AnswerFields in the core's messages). */
function addAnswerFields(message: Record<string, unknown>, m: MessageFields): void {
  if (m.replyTo !== 0n) message.re = Number(m.replyTo)
  if (m.recovering) message.recovering = true
  if (m.fence !== 0n) message.fence = m.fence
  if (m.fenced) message.fenced = true
  if (m.fresh) message.fresh = true
}

function readMessage(r: WireReader): IncomingMessage {
  const end = r.end()
  try {
    const fields = readMessageFields(r, end)
    return { to: fields.to, message: assemble(fields) }
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error
    r.pos = end
    return { malformed: error.message }
  }
}

/** Decodes a ReplicaBatch; throws InvalidArgumentError on bytes that are not one (grpc-js then ends the stream). */
export function decodeReplicaBatch(bytes: Buffer): IncomingBatch {
  const r = new WireReader(bytes)
  let from = ''
  let fingerprint = ''
  let incarnation = 0n
  const messages: IncomingMessage[] = []
  while (r.pos < r.len) {
    const t = r.tag()
    if (t === LEN_1) from = r.string()
    else if (t === LEN_2) fingerprint = r.string()
    else if (t === LEN_3) messages.push(readMessage(r))
    else if (t === INCARNATION) incarnation = r.u64()
    else r.skipUnknown(t, 4, 0)
  }
  if (incarnation === 0n || incarnation > BigInt(Number.MAX_SAFE_INTEGER))
    return { from, scheme_fingerprint: fingerprint, messages }
  return { from, scheme_fingerprint: fingerprint, messages, incarnation: Number(incarnation) }
}
