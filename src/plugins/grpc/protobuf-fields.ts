import type protobuf from 'protobufjs/minimal.js'
import type { Timestamp } from '../../core/protocol/timestamp.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { TokenValue } from '../../core/token/token-value.js'

/*
 * Protobuf field writers shared by the hand-written codecs (replica batches, token replies): proto3 rules, so a
 * zero uint64 or an empty string is omitted, and uint64 goes straight from bigint to varint, never through a
 * decimal string.
 */
type ProtoWriter = protobuf.Writer

export const LEN = 2
export const VARINT = 0
export const tag = (field: number, wireType: number): number => (field << 3) | wireType
const MAX_U32 = 0xffffffffn

export function writeU64(w: ProtoWriter, field: number, value: bigint): void {
  if (value === 0n) return
  w.uint32(tag(field, VARINT))
  // Small values (sequence numbers, most domains) skip the two BigInt operations and the LongBits object.
  if (value <= MAX_U32) w.uint32(Number(value))
  else w.uint64({ low: Number(value & MAX_U32), high: Number(value >> 32n) } as unknown as number)
}

export function writeString(w: ProtoWriter, field: number, value: string): void {
  if (value !== '') w.uint32(tag(field, LEN)).string(value)
}

export function writeBool(w: ProtoWriter, field: number, value: boolean): void {
  if (value) w.uint32(tag(field, VARINT)).bool(true)
}

/** An empty message: present, with no fields. */
export function writeEmpty(w: ProtoWriter, field: number): void {
  w.uint32(tag(field, LEN)).uint32(0)
}

export function writeArgmin(w: ProtoWriter, field: number, a: Argmin | undefined): void {
  if (a === undefined) return
  w.uint32(tag(field, LEN)).fork()
  writeU64(w, 1, a.nonce)
  writeU64(w, 2, a.hash)
  w.ldelim()
}

/**
 * A token's fields name, low, mid, high, partial, final as fields first .. first + 5: a TokenValue message (first = 1)
 * and ReadReply (first = 3) lay them out alike.
 */
export function writeTokenFields(w: ProtoWriter, t: TokenValue, first: number): void {
  writeString(w, first, t.name)
  writeU64(w, first + 1, t.low)
  writeU64(w, first + 2, t.mid)
  writeU64(w, first + 3, t.high)
  writeArgmin(w, first + 4, t.partial)
  writeArgmin(w, first + 5, t.final)
}

/** A Version message, always present (even seq = epoch = 0, as proto-loader writes it). */
export function writeVersion(w: ProtoWriter, field: number, ts: Timestamp): void {
  w.uint32(tag(field, LEN)).fork()
  writeU64(w, 1, ts.seq)
  writeU64(w, 2, ts.epoch)
  w.ldelim()
}
