import { isUtf8 } from 'node:buffer'
import { InvalidArgumentError } from '../../core/errors.js'

/*
 * A strict protobuf wire reader for the hand-written decoders. It refuses what protobufjs's own decoder refuses
 * (on a plain Uint8Array: data running past the end, unknown wire types, groups nested too deep), and a few
 * things protobufjs lets through, on purpose, because they are never what a correct encoder sends:
 *
 * - field number 0 (protobufjs skips it; protoc and Go refuse it);
 * - a string that is not UTF-8 (protobufjs replaces the bad bytes with U+FFFD, so two names would read alike);
 * - a tag, a length or a bool longer than 5 bytes or over 32 bits (protobufjs reads 5 bytes and then jumps 5
 *   more, whatever they hold, so it would swallow the next field);
 * - a uint64 over 64 bits (protobufjs drops the extra bits) and a varint cut off by the end of the buffer
 *   (protobufjs's uint64 reader may then read one byte past the end);
 * - an unknown group whose end tag names another field (protobufjs ends it at any end tag).
 *
 * Known fields arriving with another wire type are refused by the decoders (see `skipUnknown`). On Node,
 * protobufjs's BufferReader also cuts a string that claims more bytes than are left; its portable Reader refuses
 * it, and so do we. Every refusal is an InvalidArgumentError naming the offset.
 */
export const VARINT = 0
export const FIXED64 = 1
export const LEN = 2
const START_GROUP = 3
const END_GROUP = 4
export const FIXED32 = 5

/** protobufjs's Reader.recursionLimit (protoc's default too): how deep unknown groups and messages may nest. */
export const MAX_DEPTH = 100

/** 128^i: the weight of a varint's i-th byte (multiplying keeps bits above 31, which shifts would lose). */
const SHIFT = [1, 2 ** 7, 2 ** 14, 2 ** 21, 2 ** 28, 2 ** 35]

export const tagOf = (field: number, wireType: number): number => ((field << 3) | wireType) >>> 0

export class WireReader {
  pos = 0
  readonly len: number

  constructor(readonly buf: Buffer) {
    this.len = buf.length
  }

  fail(what: string): never {
    throw new InvalidArgumentError(`${what} at byte ${this.pos}`)
  }

  /** A field tag (field number << 3 | wire type); field 0 is refused. */
  tag(): number {
    const t = this.varint32()
    if (t < 8) this.fail('field number 0')
    return t
  }

  /** A varint that must fit in 32 bits: tags, lengths and bools. */
  varint32(): number {
    // Most tags and lengths are one byte.
    const pos = this.pos
    if (pos < this.len && this.buf[pos]! < 0x80) {
      this.pos = pos + 1
      return this.buf[pos]!
    }
    return this.longVarint32()
  }

  private longVarint32(): number {
    const buf = this.buf
    let pos = this.pos
    let value = 0
    for (let i = 0; i < 5; i++) {
      if (pos >= this.len) this.fail('truncated varint')
      const byte = buf[pos++]!
      value += (byte & 0x7f) * SHIFT[i]!
      if (byte < 0x80) {
        if (value > 0xffffffff) this.fail('varint over 32 bits')
        this.pos = pos
        return value
      }
    }
    return this.fail('32-bit varint longer than 5 bytes')
  }

  /** A uint64 varint: at most 10 bytes, and the 10th may only carry bit 63. */
  u64(): bigint {
    const buf = this.buf
    let pos = this.pos
    // Bits 0-27 and 28-63 each fit a double exactly; most values end in the first part.
    let low = 0
    for (let i = 0; i < 4; i++) {
      if (pos >= this.len) this.fail('truncated varint')
      const byte = buf[pos++]!
      low += (byte & 0x7f) * SHIFT[i]!
      if (byte < 0x80) {
        this.pos = pos
        return BigInt(low)
      }
    }
    let high = 0
    for (let i = 0; i < 6; i++) {
      if (pos >= this.len) this.fail('truncated varint')
      const byte = buf[pos++]!
      if (i === 5 && byte > 1) this.fail('varint longer than 10 bytes or over 64 bits')
      high += (byte & 0x7f) * SHIFT[i]!
      if (byte < 0x80) {
        this.pos = pos
        return high < 2 ** 25 ? BigInt(low + high * 2 ** 28) : (BigInt(high) << 28n) | BigInt(low)
      }
    }
    return this.fail('unreachable varint end')
  }

  bool(): boolean {
    return this.varint32() !== 0
  }

  /** Reads a length prefix and returns where that field ends; a length past the end of the buffer is refused. */
  end(): number {
    const length = this.varint32()
    if (length > this.len - this.pos) this.fail(`length ${length} past the end`)
    return this.pos + length
  }

  /** A length-delimited UTF-8 string. */
  string(): string {
    const end = this.end()
    const start = this.pos
    this.pos = end
    if (!isUtf8Range(this.buf, start, end)) this.fail('string not UTF-8')
    return utf8Slice(this.buf, start, end)
  }

  /** Skips the rest of a message up to `end` (an empty message, or one whose fields we do not use). */
  skipMessage(end: number, depth: number): void {
    while (this.pos < end) this.skip(this.tag(), depth)
    this.checkEnd(end)
  }

  /** After a submessage's fields: its last field must end exactly where the submessage does. */
  checkEnd(end: number): void {
    if (this.pos !== end) this.fail('field runs past the end of its message')
  }

  /**
   * Skips a field the decoder does not handle: a known field number (1..lastKnown) with the wrong wire type is
   * refused rather than read as its declared type (protobufjs's way, which swallows the bytes after it).
   */
  skipUnknown(tag: number, lastKnown: number, depth: number): void {
    if (tag >>> 3 <= lastKnown) this.fail(`field ${tag >>> 3} with wire type ${tag & 7}`)
    this.skip(tag, depth)
  }

  /** Skips one field by its wire type, as protobufjs's skipType does (same depth limit). */
  skip(tag: number, depth: number): void {
    if (depth > MAX_DEPTH) this.fail('nested too deep')
    switch (tag & 7) {
      case VARINT:
        this.u64()
        break
      case FIXED64:
        this.advance(8)
        break
      case LEN:
        this.pos = this.end()
        break
      case START_GROUP:
        this.skipGroup(tag >>> 3, depth)
        break
      case FIXED32:
        this.advance(4)
        break
      default:
        this.fail(`wire type ${tag & 7}`)
    }
  }

  private skipGroup(field: number, depth: number): void {
    for (;;) {
      const inner = this.tag()
      if ((inner & 7) === END_GROUP) {
        if (inner >>> 3 !== field) this.fail(`group ${field} ended by ${inner >>> 3}`)
        return
      }
      this.skip(inner, depth + 1)
    }
  }

  private advance(bytes: number): void {
    if (bytes > this.len - this.pos) this.fail('truncated fixed-width field')
    this.pos += bytes
  }
}

/** Buffer's own UTF-8 decoder without toString's argument handling (protobufjs's BufferReader calls it too). */
export const utf8Slice = (buf: Buffer, start: number, end: number): string =>
  (buf as unknown as { utf8Slice(start: number, end: number): string }).utf8Slice(start, end)

/** True when buf[start, end) is UTF-8; ASCII (addresses, most ids) is checked here without a native call. */
export function isUtf8Range(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (buf[i]! >= 0x80) return isUtf8(buf.subarray(start, end))
  }
  return true
}
