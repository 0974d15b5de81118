import type { Timestamp } from '../../core/protocol/timestamp.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { RegisterValue, TokenValue } from '../../core/token/token-value.js'
import { parseUint64 } from '../../core/uint64.js'

/** Protobuf shapes as @grpc/proto-loader hands them over: snake_case, uint64 as decimal strings (client services; replica batches have their own codec, replica-batch-codec.ts). */
export interface WireArgmin {
  nonce: string
  hash: string
}
export interface WireVersion {
  seq: string
  epoch: string
}
export interface WireToken {
  name: string
  low: string
  mid: string
  high: string
  partial?: WireArgmin | null
  final?: WireArgmin | null
}
export interface WireValue {
  kind?: 'empty' | 'absent' | 'token'
  empty?: object | null
  absent?: object | null
  token?: WireToken | null
}
export interface WireVersioned {
  version?: WireVersion | null
  value?: WireValue | null
}
export interface WireMessage {
  req_id: string
  token: string
  to: string
  body?: string
  query?: { known?: WireVersion | null; known_complete?: boolean } | null
  query_reply?: WireVersioned | null
  store?: WireVersioned | null
  store_ack?: { lease_holders?: string[]; lease_holders_known?: boolean } | null
  query_same?: object | null
  lease_request?: { stored?: WireVersion | null } | null
  lease_grant?: { lease_ms?: string; committed?: WireVersion | null } | null
  commit?: WireVersion | null
  committed?: WireVersion | null
  writer_epoch?: string
}
export interface WireBatch {
  from: string
  scheme_fingerprint: string
  messages: WireMessage[]
}

export const u64 = (value: string | undefined, field: string): bigint => parseUint64(value ?? '0', field)

export function argminToWire(a: Argmin | undefined): WireArgmin | undefined {
  return a === undefined ? undefined : { nonce: a.nonce.toString(), hash: a.hash.toString() }
}

export function versionToWire(ts: Timestamp): WireVersion {
  return { seq: ts.seq.toString(), epoch: ts.epoch.toString() }
}

export function tokenToWire(t: TokenValue): WireToken {
  return {
    name: t.name,
    low: t.low.toString(),
    mid: t.mid.toString(),
    high: t.high.toString(),
    partial: argminToWire(t.partial),
    final: argminToWire(t.final),
  }
}

export function valueToWire(value: RegisterValue): WireValue {
  if (value.kind === 'token') return { token: tokenToWire(value.token) }
  return value.kind === 'empty' ? { empty: {} } : { absent: {} }
}
