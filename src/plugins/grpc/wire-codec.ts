import assert from 'node:assert'
import { InvalidArgumentError } from '../../core/errors.js'
import type { Envelope, NodeId, ReplicaMessage } from '../../core/protocol/messages.js'
import type { Timestamp } from '../../core/protocol/timestamp.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { RegisterValue, TokenValue } from '../../core/token/token-value.js'
import { parseUint64 } from '../../core/uint64.js'

/** Protobuf shapes as @grpc/proto-loader hands them over: snake_case, uint64 as decimal strings. */
export interface WireArgmin { nonce: string; hash: string }
export interface WireVersion { seq: string; epoch: string }
export interface WireToken { name: string; low: string; mid: string; high: string; partial?: WireArgmin | null; final?: WireArgmin | null }
export interface WireValue { kind?: 'empty' | 'absent' | 'token'; empty?: object | null; absent?: object | null; token?: WireToken | null }
export interface WireVersioned { version?: WireVersion | null; value?: WireValue | null }
export interface WireMessage {
  req_id: string; token: string; to: string; body?: string
  query?: object | null; query_reply?: WireVersioned | null; store?: WireVersioned | null; store_ack?: object | null
}
export interface WireBatch { from: string; scheme_fingerprint: string; messages: WireMessage[] }

export const u64 = (value: string | undefined, field: string): bigint => parseUint64(value ?? '0', field)

export function argminToWire(a: Argmin | undefined): WireArgmin | undefined {
  return a === undefined ? undefined : { nonce: a.nonce.toString(), hash: a.hash.toString() }
}

export function argminFromWire(a: WireArgmin | null | undefined): Argmin | undefined {
  return a == null ? undefined : { nonce: u64(a.nonce, 'nonce'), hash: u64(a.hash, 'hash') }
}

export function versionToWire(ts: Timestamp): WireVersion {
  return { seq: ts.seq.toString(), epoch: ts.epoch.toString() }
}

export function versionFromWire(v: WireVersion | null | undefined): Timestamp {
  if (v == null) throw new InvalidArgumentError('missing version')
  return { seq: u64(v.seq, 'version.seq'), epoch: u64(v.epoch, 'version.epoch') }
}

export function tokenToWire(t: TokenValue): WireToken {
  return { name: t.name, low: t.low.toString(), mid: t.mid.toString(), high: t.high.toString(),
    partial: argminToWire(t.partial), final: argminToWire(t.final) }
}

export function valueToWire(value: RegisterValue): WireValue {
  if (value.kind === 'token') return { token: tokenToWire(value.token) }
  return value.kind === 'empty' ? { empty: {} } : { absent: {} }
}

export function valueFromWire(value: WireValue | null | undefined): RegisterValue {
  if (value == null || value.kind === undefined) throw new InvalidArgumentError('missing register value')
  if (value.kind === 'empty') return { kind: 'empty' }
  if (value.kind === 'absent') return { kind: 'absent' }
  const t = value.token!
  return { kind: 'token', token: { name: t.name, low: u64(t.low, 'low'), mid: u64(t.mid, 'mid'), high: u64(t.high, 'high'),
    partial: argminFromWire(t.partial), final: argminFromWire(t.final) } }
}

export function messageToWire(to: NodeId, m: ReplicaMessage): WireMessage {
  const base = { req_id: String(m.reqId), token: m.token, to }
  switch (m.type) {
    case 'query': return { ...base, query: {} }
    case 'query-reply': return { ...base, query_reply: { version: versionToWire(m.ts), value: valueToWire(m.value) } }
    case 'store': return { ...base, store: { version: versionToWire(m.ts), value: valueToWire(m.value) } }
    case 'store-ack': return { ...base, store_ack: {} }
  }
}

/** Decodes one replica message; throws InvalidArgumentError on anything malformed. */
export function envelopeFromWire(from: NodeId, m: WireMessage): Envelope {
  const reqId = Number(m.req_id)
  if (!Number.isSafeInteger(reqId)) throw new InvalidArgumentError(`bad req_id ${m.req_id} from ${from}`)
  const base = { reqId, token: m.token }
  let message: ReplicaMessage
  switch (m.body) {
    case 'query': message = { type: 'query', ...base }; break
    case 'store_ack': message = { type: 'store-ack', ...base }; break
    case 'query_reply':
      message = { type: 'query-reply', ...base, ts: versionFromWire(m.query_reply?.version), value: valueFromWire(m.query_reply?.value) }
      break
    case 'store':
      message = { type: 'store', ...base, ts: versionFromWire(m.store?.version), value: valueFromWire(m.store?.value) }
      break
    default: throw new InvalidArgumentError(`replica message without a body from ${from}`)
  }
  assert(typeof message.reqId === 'number')
  return { from, to: m.to, message }
}
