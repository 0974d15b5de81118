import { isUtf8 } from 'node:buffer'
import { join } from 'node:path'
import protobuf from 'protobufjs'
import { repoRoot } from './repo-root.js'

/*
 * The reference the hand-written decoders are held to: protobufjs's own decoder for the same .proto, plus the
 * rules on which our decoders are deliberately stricter (src/plugins/grpc/wire-reader.ts lists them and why).
 * Both are driven by protobufjs's reflection types, so fields added to the .proto are covered without changes here.
 *
 * - protobufjs decodes a plain Uint8Array copy, so that it uses its portable Reader: on a Node Buffer its
 *   BufferReader cuts a string claiming more bytes than are left instead of refusing it.
 * - `strictWalk` refuses what protobufjs lets through on purpose: field 0; a known field with another wire type;
 *   strings that are not UTF-8; tags, lengths and bools over 5 bytes or 32 bits; 64-bit varints over 64 bits
 *   or cut off by the end; unknown groups ended by another field's end tag.
 * - Values are compared normalized: uint64 as decimal strings, proto3 defaults filled in, absent submessages
 *   left out, and of a oneof only the member that came last on the wire (protobufjs keeps them all; protoc and
 *   our decoders keep the last one).
 */

export type Normalized = { [field: string]: unknown }
export type Verdict = { readonly ok: true; readonly value: Normalized } | { readonly ok: false; readonly why: string }

let root: protobuf.Root | undefined

/** The tokenmanager.v1 types, loaded from the same .proto the server serves. */
export function protoType(name: string): protobuf.Type {
  // keepCase: field names as in the .proto (req_id), as proto-loader and our decoders name them.
  root ??= new protobuf.Root().loadSync(join(repoRoot(), 'proto/tokenmanager/v1/token_manager.proto'), {
    keepCase: true,
  })
  return root.lookupType(`tokenmanager.v1.${name}`)
}

/**
 * Decodes `bytes` as `type` by the reference rules: refused, or the normalized message. `depth` is how deep the
 * message sits (a ReplicaMessage inside its batch: 1), for the nesting limit on unknown groups. With `utf8: false`
 * strings are not checked (requests with a bad string are answered INVALID_ARGUMENT, not refused as undecodable).
 */
export function referenceDecode(type: protobuf.Type, bytes: Uint8Array, depth = 0, options = { utf8: true }): Verdict {
  let shape: Shape
  try {
    shape = new StrictWalk(bytes, options.utf8).message(type, 0, bytes.length, depth)
  } catch (error) {
    if (!(error instanceof StrictViolation)) throw error
    return { ok: false, why: `stricter than protobufjs: ${error.message}` }
  }
  let message: protobuf.Message
  try {
    const plain = new Uint8Array(bytes)
    message = type.decode(protobuf.Reader.create(plain), plain.length, undefined, depth)
  } catch (error) {
    return { ok: false, why: `protobufjs: ${(error as Error).message}` }
  }
  return { ok: true, value: normalize(type, message as unknown as Record<string, unknown>, shape) }
}

/** What the walk learnt of one message: the last member of each oneof, and the shapes of its submessages. */
interface Shape {
  readonly oneofWinners: Map<string, string>
  readonly children: Map<string, Shape | Shape[]>
}

class StrictViolation extends Error {}

const MAX_DEPTH = 100
const WIRE_TYPE: Record<string, number> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  string: 2,
  bytes: 2,
}

function wireTypeOf(field: protobuf.Field): number {
  if (field.resolvedType instanceof protobuf.Type) return 2
  return WIRE_TYPE[field.type] ?? 0
}

/** The strict rules, walked over the wire by field number and declared type (values come from protobufjs). */
class StrictWalk {
  private pos = 0

  constructor(
    private readonly bytes: Uint8Array,
    private readonly utf8: boolean,
  ) {}

  message(type: protobuf.Type, start: number, end: number, depth: number): Shape {
    const shape: Shape = { oneofWinners: new Map(), children: new Map() }
    this.pos = start
    while (this.pos < end) {
      const tag = this.varint(5)
      const number = Math.floor(tag / 8)
      const wireType = tag % 8
      if (number === 0) this.refuse('field number 0')
      const field = type.fieldsById[number]
      if (field === undefined) this.skip(number, wireType, depth)
      else this.known(field.resolve(), wireType, shape, depth)
    }
    if (this.pos !== end) this.refuse('a field runs past the end of its message')
    return shape
  }

  private known(field: protobuf.Field, wireType: number, shape: Shape, depth: number): void {
    const declared = wireTypeOf(field)
    const packed = field.repeated && declared !== 2 && wireType === 2
    if (wireType !== declared && !packed) this.refuse(`field ${field.id} with wire type ${wireType}`)
    if (field.partOf !== null) shape.oneofWinners.set(field.partOf.name, field.name)
    if (packed) {
      const end = this.length()
      while (this.pos < end) this.value(field, declared)
      if (this.pos !== end) this.refuse('packed field runs past its end')
    } else if (field.resolvedType instanceof protobuf.Type) {
      const end = this.length()
      const child = this.message(field.resolvedType, this.pos, end, depth + 1)
      if (field.repeated)
        shape.children.set(field.name, [...((shape.children.get(field.name) as Shape[] | undefined) ?? []), child])
      else shape.children.set(field.name, child)
    } else this.value(field, declared)
  }

  private value(field: protobuf.Field, wireType: number): void {
    if (wireType === 0) this.varint(field.type === 'bool' ? 5 : 10)
    else if (wireType === 2) {
      const end = this.length()
      if (this.utf8 && field.type === 'string' && !isUtf8(this.bytes.subarray(this.pos, end)))
        this.refuse('string not UTF-8')
      this.pos = end
    } else this.advance(wireType === 1 ? 8 : 4)
  }

  private skip(number: number, wireType: number, depth: number): void {
    if (depth > MAX_DEPTH) this.refuse('nested too deep')
    if (wireType === 0) this.varint(10)
    else if (wireType === 1) this.advance(8)
    else if (wireType === 2) this.pos = this.length()
    else if (wireType === 5) this.advance(4)
    else if (wireType === 3) this.group(number, depth)
    else this.refuse(`wire type ${wireType}`)
  }

  private group(number: number, depth: number): void {
    for (;;) {
      const tag = this.varint(5)
      if (tag < 8) this.refuse('field number 0')
      if (tag % 8 === 4) {
        if (Math.floor(tag / 8) !== number) this.refuse('group ended by another field')
        return
      }
      this.skip(Math.floor(tag / 8), tag % 8, depth + 1)
    }
  }

  /** A varint of at most `maxBytes` bytes and 32 bits (5) or 64 bits (10), as a number (exact below 2^53). */
  private varint(maxBytes: 5 | 10): number {
    let value = 0n
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.bytes.length) this.refuse('truncated varint')
      const byte = this.bytes[this.pos++]!
      value |= BigInt(byte & 0x7f) << BigInt(7 * i)
      if (byte < 0x80) {
        if (value >= 1n << (maxBytes === 5 ? 32n : 64n)) this.refuse('varint too large')
        return Number(value)
      }
    }
    return this.refuse('varint too long')
  }

  private length(): number {
    const length = this.varint(5)
    if (this.pos + length > this.bytes.length) this.refuse('length past the end')
    return this.pos + length
  }

  private advance(count: number): void {
    if (this.pos + count > this.bytes.length) this.refuse('truncated fixed-width field')
    this.pos += count
  }

  private refuse(why: string): never {
    throw new StrictViolation(`${why} (near byte ${this.pos})`)
  }
}

function normalizeScalar(field: protobuf.Field, value: unknown): unknown {
  // A Long, read as unsigned: every 64-bit field of our .proto is a uint64.
  if (value !== null && typeof value === 'object' && 'low' in value) {
    const long = value as { low: number; high: number }
    return ((BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0)).toString()
  }
  if (typeof value === 'number' && ['uint64', 'int64', 'fixed64', 'sint64', 'sfixed64'].includes(field.type))
    return String(value)
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  return value
}

function normalize(type: protobuf.Type, message: Record<string, unknown>, shape: Shape | undefined): Normalized {
  const out: Normalized = {}
  for (const field of type.fieldsArray) {
    if (field.partOf !== null && shape?.oneofWinners.get(field.partOf.name) !== field.name) continue
    const value = message[field.name]
    const child = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined
    const childShape = shape?.children.get(field.name)
    if (field.repeated) {
      const values = (value as unknown[] | undefined) ?? []
      out[field.name] = values.map((v, i) =>
        child
          ? normalize(child, v as Record<string, unknown>, (childShape as Shape[] | undefined)?.[i])
          : normalizeScalar(field, v),
      )
    } else if (child) {
      if (value != null)
        out[field.name] = normalize(child, value as Record<string, unknown>, childShape as Shape | undefined)
    } else out[field.name] = normalizeScalar(field, value)
  }
  return out
}
