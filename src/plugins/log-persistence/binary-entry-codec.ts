import { InvalidArgumentError } from '../../core/errors.js'
import type { PersistEntry } from '../../core/protocol/outbox.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { RegisterValue } from '../../core/token/token-value.js'

/**
 * The log's binary form of one PersistEntry, little-endian: u32 token length in UTF-16 units, the token as
 * UTF-16LE (exact code units, whatever they are), u64 seq, u64 epoch, u8 value kind (0 empty, 1 absent, 2 token);
 * for a token: u32 name length, name as UTF-16LE, u64 low, mid, high, u8 flags (1 partial, 2 final), then nonce
 * and hash (u64 each) of the partial and the final that are present. A restart decodes 10^5 of these in a few
 * tens of milliseconds, where JSON with decimal bigints took about a second.
 */
const KIND_CODES = { empty: 0, absent: 1, token: 2 } as const
const HAS_PARTIAL = 1
const HAS_FINAL = 2

export function encodeBinaryEntry(entry: PersistEntry, prefix: number): Buffer {
  const value = entry.value
  const name = value.kind === 'token' ? value.token.name : ''
  const argmins = value.kind === 'token' ? (value.token.partial ? 1 : 0) + (value.token.final ? 1 : 0) : 0
  const size =
    1 + 4 + entry.token.length * 2 + 16 + 1 + (value.kind === 'token' ? 4 + name.length * 2 + 24 + 1 + 16 * argmins : 0)
  const out = Buffer.allocUnsafe(size)
  let at = out.writeUInt8(prefix, 0)
  at = writeString(out, entry.token, at)
  at = out.writeBigUInt64LE(entry.ts.seq, at)
  at = out.writeBigUInt64LE(entry.ts.epoch, at)
  at = out.writeUInt8(KIND_CODES[value.kind], at)
  if (value.kind !== 'token') return out
  const token = value.token
  at = writeString(out, name, at)
  at = out.writeBigUInt64LE(token.low, at)
  at = out.writeBigUInt64LE(token.mid, at)
  at = out.writeBigUInt64LE(token.high, at)
  at = out.writeUInt8((token.partial ? HAS_PARTIAL : 0) | (token.final ? HAS_FINAL : 0), at)
  if (token.partial) at = writeArgmin(out, token.partial, at)
  if (token.final) writeArgmin(out, token.final, at)
  return out
}

function writeString(out: Buffer, text: string, at: number): number {
  const next = out.writeUInt32LE(text.length, at)
  return next + out.write(text, next, 'utf16le')
}

function writeArgmin(out: Buffer, argmin: Argmin, at: number): number {
  return out.writeBigUInt64LE(argmin.hash, out.writeBigUInt64LE(argmin.nonce, at))
}

/** Reads a record written by `encodeBinaryEntry` (after its prefix byte). Throws InvalidArgumentError when malformed. */
export function decodeBinaryEntry(record: Buffer): PersistEntry {
  const reader = new Reader(record, 1)
  const token = reader.string('token')
  const ts = { seq: reader.u64('seq'), epoch: reader.u64('epoch') }
  const value = registerValueOf(reader)
  if (reader.at !== record.length) throw new InvalidArgumentError(`${record.length - reader.at} bytes after the entry`)
  return { token, ts, value }
}

/**
 * Throws as decodeBinaryEntry would on a malformed record, without making the entry: a restart checks each of
 * 10^5 records at open and decodes each when its token is first used (see RecordEntry).
 */
export function checkBinaryEntry(record: Buffer): void {
  const reader = new Reader(record, 1)
  reader.skipString('token')
  reader.skip(8, 'seq')
  reader.skip(8, 'epoch')
  const kind = reader.u8('value kind')
  if (kind === KIND_CODES.token) {
    reader.skipString('name')
    for (const field of ['low', 'mid', 'high']) reader.skip(8, field)
    const flags = reader.u8('flags')
    if (flags > (HAS_PARTIAL | HAS_FINAL)) throw new InvalidArgumentError(`flags ${flags} has unknown bits`)
    if ((flags & HAS_PARTIAL) !== 0) reader.skipArgmin('partial')
    if ((flags & HAS_FINAL) !== 0) reader.skipArgmin('final')
  } else if (kind !== KIND_CODES.empty && kind !== KIND_CODES.absent) {
    throw new InvalidArgumentError(`value kind ${kind} is not 0, 1 or 2`)
  }
  if (reader.at !== record.length) throw new InvalidArgumentError(`${record.length - reader.at} bytes after the entry`)
}

/**
 * A PersistEntry read from its record when its `ts` or `value` is first asked for, then kept. Its record must have
 * passed checkBinaryEntry, so reading it cannot fail.
 */
export class RecordEntry implements PersistEntry {
  private decoded: PersistEntry | undefined

  constructor(
    readonly token: string,
    private readonly record: Buffer,
  ) {}

  get ts(): PersistEntry['ts'] {
    return this.entry().ts
  }

  get value(): PersistEntry['value'] {
    return this.entry().value
  }

  private entry(): PersistEntry {
    this.decoded ??= decodeBinaryEntry(this.record)
    return this.decoded
  }
}

/** Only the token of a record (to find each token's newest record before decoding any). */
export function binaryEntryToken(record: Buffer): string {
  return new Reader(record, 1).string('token')
}

function registerValueOf(reader: Reader): RegisterValue {
  const kind = reader.u8('value kind')
  if (kind === KIND_CODES.empty) return { kind: 'empty' }
  if (kind === KIND_CODES.absent) return { kind: 'absent' }
  if (kind !== KIND_CODES.token) throw new InvalidArgumentError(`value kind ${kind} is not 0, 1 or 2`)
  const name = reader.string('name')
  const low = reader.u64('low')
  const mid = reader.u64('mid')
  const high = reader.u64('high')
  const flags = reader.u8('flags')
  if (flags > (HAS_PARTIAL | HAS_FINAL)) throw new InvalidArgumentError(`flags ${flags} has unknown bits`)
  const partial = (flags & HAS_PARTIAL) !== 0 ? reader.argmin('partial') : undefined
  const final = (flags & HAS_FINAL) !== 0 ? reader.argmin('final') : undefined
  return { kind: 'token', token: { name, low, mid, high, partial, final } }
}

/** Bounds-checked reads, each naming the field it was reading when the record ends too early. */
class Reader {
  constructor(
    private readonly buffer: Buffer,
    public at: number,
  ) {}

  u8(field: string): number {
    this.need(1, field)
    return this.buffer.readUInt8(this.at++)
  }

  u64(field: string): bigint {
    this.need(8, field)
    const value = this.buffer.readBigUInt64LE(this.at)
    this.at += 8
    return value
  }

  string(field: string): string {
    this.need(4, field)
    const units = this.buffer.readUInt32LE(this.at)
    this.at += 4
    this.need(units * 2, field)
    const text = this.buffer.toString('utf16le', this.at, this.at + units * 2)
    this.at += units * 2
    return text
  }

  skip(bytes: number, field: string): void {
    this.need(bytes, field)
    this.at += bytes
  }

  skipString(field: string): void {
    this.need(4, field)
    const units = this.buffer.readUInt32LE(this.at)
    this.at += 4
    this.skip(units * 2, field)
  }

  skipArgmin(field: string): void {
    this.skip(8, `${field} nonce`)
    this.skip(8, `${field} hash`)
  }

  argmin(field: string): Argmin {
    return { nonce: this.u64(`${field} nonce`), hash: this.u64(`${field} hash`) }
  }

  private need(bytes: number, field: string): void {
    if (this.at + bytes > this.buffer.length) throw new InvalidArgumentError(`record ends inside ${field}`)
  }
}
