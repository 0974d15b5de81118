import assert from 'node:assert'
import { InvalidArgumentError } from '../../src/core/errors.js'
import type { Envelope, NodeId, ReplicaMessage } from '../../src/core/protocol/messages.js'
import type { Timestamp } from '../../src/core/protocol/timestamp.js'
import type { Argmin } from '../../src/core/token/argmin.js'
import type { RegisterValue } from '../../src/core/token/token-value.js'
import {
  u64,
  versionToWire,
  valueToWire,
  type WireArgmin,
  type WireMessage,
  type WireValue,
  type WireVersion,
} from '../../src/plugins/grpc/wire-codec.js'

/*
 * The generic mapping of replica messages to proto-loader objects (uint64 as decimal strings): the reference the
 * hand-written ReplicaBatch codec is checked against, and the shapes hostile clients in the tests send.
 */

export function argminFromWire(a: WireArgmin | null | undefined): Argmin | undefined {
  return a == null ? undefined : { nonce: u64(a.nonce, 'nonce'), hash: u64(a.hash, 'hash') }
}

export function versionFromWire(v: WireVersion | null | undefined): Timestamp {
  if (v == null) throw new InvalidArgumentError('missing version')
  return { seq: u64(v.seq, 'version.seq'), epoch: u64(v.epoch, 'version.epoch') }
}

export function valueFromWire(value: WireValue | null | undefined): RegisterValue {
  if (value == null || value.kind === undefined) throw new InvalidArgumentError('missing register value')
  if (value.kind === 'empty') return { kind: 'empty' }
  if (value.kind === 'absent') return { kind: 'absent' }
  const t = value.token!
  return {
    kind: 'token',
    token: {
      name: t.name,
      low: u64(t.low, 'low'),
      mid: u64(t.mid, 'mid'),
      high: u64(t.high, 'high'),
      partial: argminFromWire(t.partial),
      final: argminFromWire(t.final),
    },
  }
}

export function messageToWire(to: NodeId, m: ReplicaMessage): WireMessage {
  const base = { req_id: String(m.reqId), token: m.token, to }
  const committed = (c: Timestamp | undefined) => (c === undefined ? {} : { committed: versionToWire(c) })
  const epoch = (e: bigint | undefined) => (e === undefined ? {} : { writer_epoch: e.toString() })
  switch (m.type) {
    case 'query':
      return {
        ...base,
        query: m.known ? { known: versionToWire(m.known.ts), known_complete: m.known.complete } : {},
        ...epoch(m.writerEpoch),
      }
    case 'query-same':
      return { ...base, query_same: {}, ...committed(m.committed) }
    case 'query-reply':
      return {
        ...base,
        query_reply: { version: versionToWire(m.ts), value: valueToWire(m.value) },
        ...committed(m.committed),
      }
    case 'lease-request':
      return { ...base, lease_request: { stored: versionToWire(m.ts) } }
    case 'lease-grant':
      return { ...base, lease_grant: { lease_ms: String(m.leaseMs), committed: versionToWire(m.committed) } }
    case 'commit':
      return { ...base, commit: versionToWire(m.ts) }
    case 'store':
      return { ...base, store: { version: versionToWire(m.ts), value: valueToWire(m.value) }, ...epoch(m.writerEpoch) }
    case 'store-ack':
      return {
        ...base,
        store_ack: m.holders === undefined ? {} : { lease_holders: [...m.holders], lease_holders_known: true },
      }
  }
}

/** Decodes one replica message; throws InvalidArgumentError on anything malformed. */
export function envelopeFromWire(from: NodeId, m: WireMessage): Envelope {
  const reqId = Number(m.req_id)
  if (!Number.isSafeInteger(reqId)) throw new InvalidArgumentError(`bad req_id ${m.req_id} from ${from}`)
  const base = { reqId, token: m.token }
  const committed = m.committed == null ? {} : { committed: versionFromWire(m.committed) }
  // proto3: an unset uint64 reads as "0"; our encoder never sends epoch 0 (epochs start at 1).
  const writerEpoch =
    m.writer_epoch === undefined || m.writer_epoch === '0' ? {} : { writerEpoch: u64(m.writer_epoch, 'writer_epoch') }
  let message: ReplicaMessage
  switch (m.body) {
    case 'query': {
      const known = m.query?.known
      message = known
        ? {
            type: 'query',
            ...base,
            known: { ts: versionFromWire(known), complete: m.query!.known_complete ?? false },
            ...writerEpoch,
          }
        : { type: 'query', ...base, ...writerEpoch }
      break
    }
    case 'query_same':
      message = { type: 'query-same', ...base, ...committed }
      break
    case 'lease_request':
      message = { type: 'lease-request', ...base, ts: versionFromWire(m.lease_request?.stored) }
      break
    case 'lease_grant':
      message = {
        type: 'lease-grant',
        ...base,
        leaseMs: Number(m.lease_grant?.lease_ms ?? '0'),
        committed: versionFromWire(m.lease_grant?.committed ?? { seq: '0', epoch: '0' }),
      }
      break
    case 'commit':
      message = { type: 'commit', ...base, ts: versionFromWire(m.commit) }
      break
    case 'store_ack':
      message =
        m.store_ack?.lease_holders_known === true
          ? { type: 'store-ack', ...base, holders: m.store_ack.lease_holders ?? [] }
          : { type: 'store-ack', ...base }
      break
    case 'query_reply':
      message = {
        type: 'query-reply',
        ...base,
        ts: versionFromWire(m.query_reply?.version),
        value: valueFromWire(m.query_reply?.value),
        ...committed,
      }
      break
    case 'store':
      message = {
        type: 'store',
        ...base,
        ts: versionFromWire(m.store?.version),
        value: valueFromWire(m.store?.value),
        ...writerEpoch,
      }
      break
    default:
      throw new InvalidArgumentError(`replica message without a body from ${from}`)
  }
  assert(typeof message.reqId === 'number')
  return { from, to: m.to, message }
}
