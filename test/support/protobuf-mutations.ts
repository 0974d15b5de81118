import fc from 'fast-check'
import protobuf from 'protobufjs'

/*
 * Random messages of any type of the .proto (driven by protobufjs's reflection, so new fields are generated
 * without changes here), encoded by protobufjs, and random mutations of their bytes. Mutations work on the field
 * tree, so that the lengths of the enclosing messages still match and a mutation deep inside a message is seen
 * by the decoder of that part rather than by the outermost length check; byte-level mutations come on top.
 */

const MAX_MESSAGE_DEPTH = 6
const MAX_REPEATED = 3

const uint64 = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: 1000 }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '9007199254740991',
      '9007199254740992',
      '4294967295',
      '4294967296',
      '18446744073709551615',
    ),
  },
)
const text = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 6 }))

function scalar(field: protobuf.Field): fc.Arbitrary<unknown> {
  switch (field.type) {
    case 'uint64':
    case 'int64':
    case 'fixed64':
      return uint64
    case 'uint32':
    case 'fixed32':
      return fc.nat({ max: 0xffffffff })
    case 'bool':
      return fc.boolean()
    case 'string':
      return text
    case 'bytes':
      return fc.uint8Array({ maxLength: 8 })
    default:
      throw new Error(`no generator for ${field.type} (field ${field.name}): add one`)
  }
}

/**
 * Plain objects for `type.fromObject`: every oneof gets at most one member, submessages nest up to a bound.
 * `force` names a oneof member that is always set (to cover each body of a message).
 */
export function objectArbitrary(type: protobuf.Type, depth = 0, force?: string): fc.Arbitrary<Record<string, unknown>> {
  const entries: fc.Arbitrary<[string, unknown] | undefined>[] = []
  for (const field of type.fieldsArray) {
    if (field.partOf !== null) continue
    const value = fieldArbitrary(field.resolve(), depth)
    if (value === undefined) continue
    entries.push(
      fc.option(
        value.map((v): [string, unknown] => [field.name, v]),
        { nil: undefined },
      ),
    )
  }
  for (const oneof of type.oneofsArray) {
    const forced = oneof.fieldsArray.find((f) => f.name === force)
    if (forced !== undefined) {
      entries.push(fieldArbitrary(forced.resolve(), depth)!.map((v): [string, unknown] => [forced.name, v]))
      continue
    }
    const members = oneof.fieldsArray
      .map((f) => fieldArbitrary(f.resolve(), depth)?.map((v): [string, unknown] => [f.name, v]))
      .filter((a): a is fc.Arbitrary<[string, unknown]> => a !== undefined)
    entries.push(fc.option(fc.oneof(...members), { nil: undefined, freq: 5 })) // set 4 times in 5
    // Now and then a second member: protobufjs then writes both, and the last on the wire must win.
    entries.push(
      fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(...members) }),
    )
  }
  return fc.tuple(...entries).map((pairs) => Object.fromEntries(pairs.filter((p) => p !== undefined)))
}

function fieldArbitrary(field: protobuf.Field, depth: number): fc.Arbitrary<unknown> | undefined {
  const child = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined
  if (child && depth >= MAX_MESSAGE_DEPTH) return undefined
  const one = child ? objectArbitrary(child, depth + 1) : scalar(field)
  return field.repeated ? fc.array(one, { maxLength: MAX_REPEATED }) : one
}

/** Random valid encodings of `type`, by protobufjs. */
export function encodedArbitrary(type: protobuf.Type, force?: string): fc.Arbitrary<Uint8Array> {
  return objectArbitrary(type, 0, force).map((object) => type.encode(type.fromObject(object)).finish())
}

/** One field as it sits on the wire; `children` when it is a known submessage (its payload rebuilt from them). */
interface WireField {
  tag: Uint8Array
  /** Whether a length prefix precedes the payload (set when parsed; a mutated wire type does not change it). */
  delimited: boolean
  /** A declared length other than the payload's (a mutation). */
  length?: number
  payload: Uint8Array
  children?: WireField[] | undefined
}

export function varintBytes(value: bigint, minBytes = 1): Uint8Array {
  const bytes: number[] = []
  do {
    bytes.push(Number(value & 0x7fn) | 0x80)
    value >>= 7n
  } while (value > 0n || bytes.length < minBytes)
  bytes[bytes.length - 1]! &= 0x7f
  return Uint8Array.from(bytes)
}

function readVarint(bytes: Uint8Array, at: { pos: number }): bigint {
  let value = 0n
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (at.pos >= bytes.length) throw new RangeError('truncated varint')
    const byte = bytes[at.pos++]!
    value |= BigInt(byte & 0x7f) << shift
    if (byte < 0x80) return value
  }
  throw new RangeError('varint too long')
}

/** The field tree of a valid encoding (protobufjs's own output), recursing into known submessages. */
function parseFields(type: protobuf.Type | undefined, bytes: Uint8Array): WireField[] {
  const fields: WireField[] = []
  const at = { pos: 0 }
  while (at.pos < bytes.length) {
    const tagStart = at.pos
    const tag = readVarint(bytes, at)
    const tagBytes = bytes.slice(tagStart, at.pos)
    const wireType = Number(tag & 7n)
    const start = at.pos
    if (wireType === 0) readVarint(bytes, at)
    else if (wireType === 1) at.pos += 8
    else if (wireType === 5) at.pos += 4
    else if (wireType !== 2) throw new RangeError(`wire type ${wireType}`)
    else {
      const length = Number(readVarint(bytes, at))
      if (at.pos + length > bytes.length) throw new RangeError('length past the end')
      const payload = bytes.slice(at.pos, at.pos + length)
      at.pos += length
      const child = type?.fieldsById[Number(tag >> 3n)]?.resolve().resolvedType
      fields.push({
        tag: tagBytes,
        delimited: true,
        payload,
        children: child instanceof protobuf.Type ? parseFields(child, payload) : undefined,
      })
      continue
    }
    if (at.pos > bytes.length) throw new RangeError('truncated fixed-width field')
    fields.push({ tag: tagBytes, delimited: false, payload: bytes.slice(start, at.pos) })
  }
  return fields
}

function serialize(fields: readonly WireField[]): Uint8Array {
  const parts: Uint8Array[] = []
  for (const field of fields) {
    parts.push(field.tag)
    const payload = field.children ? serialize(field.children) : field.payload
    if (field.delimited) parts.push(varintBytes(BigInt(field.length ?? payload.length)))
    parts.push(payload)
  }
  return Buffer.concat(parts)
}

const TREE_OPS = [
  'wire-type',
  'field-zero',
  'long-tag',
  'long-varint',
  'overflow-varint',
  'length-lie',
  'duplicate',
  'delete',
  'move',
  'replace-payload',
  'insert-field',
  'insert-group',
] as const
const BYTE_OPS = ['truncate', 'flip', 'insert-bytes'] as const
export type Mutation = {
  op: (typeof TREE_OPS)[number] | (typeof BYTE_OPS)[number]
  target: number
  a: number
  bytes: Uint8Array
}

/** Payloads: random bytes, or short ones that break a message in one particular way. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 6 }),
  fc
    .constantFrom(
      [0x00],
      [0x80],
      [0x08],
      [0x08, 0x80],
      [0x0a, 0x05],
      [0x0e],
      [0x0b],
      [0x0c],
      [0x09, 1, 2],
      [0x08, 0xff, 0xff, 0xff, 0xff, 0x1f],
    )
    .map((b) => Uint8Array.from(b)),
)

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom(...TREE_OPS, ...BYTE_OPS),
  target: fc.nat(),
  a: fc.nat(),
  bytes: payload,
})

/** Applies `mutations` in turn to a valid encoding of `type`. */
export function mutate(type: protobuf.Type, bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = bytes
  for (const m of mutations)
    out = (BYTE_OPS as readonly string[]).includes(m.op) ? mutateBytes(out, m) : mutateTree(type, out, m)
  return out
}

function mutateBytes(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : m.target % (bytes.length + 1)
  if (m.op === 'truncate') return bytes.slice(0, Math.min(at, Math.max(0, bytes.length - 1)))
  if (m.op === 'insert-bytes') return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)])
  const out = Uint8Array.from(bytes)
  if (out.length > 0) out[at % out.length]! ^= (m.a % 255) + 1
  return out
}

/** Every field of the tree with the list holding it. */
function flatten(
  fields: WireField[],
  into: { list: WireField[]; index: number }[] = [],
): { list: WireField[]; index: number }[] {
  fields.forEach((field, index) => {
    into.push({ list: fields, index })
    if (field.children) flatten(field.children, into)
  })
  return into
}

function mutateTree(type: protobuf.Type, bytes: Uint8Array, m: Mutation): Uint8Array {
  let root: WireField[]
  try {
    root = parseFields(type, bytes)
  } catch {
    return mutateBytes(bytes, { ...m, op: 'flip' }) // an earlier mutation left bytes the tree parser cannot follow
  }
  const all = flatten(root)
  const { list, index } = all[m.target % Math.max(1, all.length)] ?? { list: root, index: 0 }
  const field = list[index]
  if (m.op === 'insert-field' || m.op === 'insert-group' || field === undefined) {
    list.splice(Math.min(index, list.length), 0, m.op === 'insert-group' ? randomGroup(m) : randomField(m))
    return serialize(root)
  }
  const tagValue = readVarint(field.tag, { pos: 0 })
  switch (m.op) {
    case 'wire-type':
      field.tag = varintBytes((tagValue & ~7n) | BigInt(m.a % 8))
      break
    case 'field-zero':
      field.tag = Uint8Array.of(Number(tagValue & 7n))
      break
    case 'long-tag':
      field.tag = varintBytes(tagValue, 1 + (m.a % 12))
      break
    case 'long-varint':
      if (!field.delimited && isVarint(field.payload))
        field.payload = varintBytes(readVarint(field.payload, { pos: 0 }), 1 + (m.a % 11))
      break
    case 'overflow-varint':
      if (!field.delimited) field.payload = Uint8Array.of(...Array(9).fill(0xff), 2 + (m.a % 126))
      break
    case 'length-lie':
      field.length = Math.max(0, field.payload.length + (m.a % 2 === 0 ? 1 : -1) * (1 + (m.a % 300)))
      field.delimited = true
      break
    case 'duplicate':
      list.splice(index + 1 + (m.a % (list.length - index)), 0, { ...field })
      break
    case 'delete':
      list.splice(index, 1)
      break
    case 'move':
      list.splice(m.a % list.length, 0, ...list.splice(index, 1))
      break
    case 'replace-payload':
      field.payload = m.bytes
      field.children = undefined
      break
  }
  return serialize(root)
}

/** True when `bytes` hold exactly one varint (a field whose wire type an earlier mutation changed may not). */
function isVarint(bytes: Uint8Array): boolean {
  const at = { pos: 0 }
  try {
    readVarint(bytes, at)
  } catch {
    return false
  }
  return at.pos === bytes.length
}

/** A field with a random number (known numbers too, then often with another wire type) and wire type. */
function randomField(m: Mutation): WireField {
  const wireType = m.a % 8
  const tag = varintBytes(BigInt(((1 + (m.target % 20)) << 3) | wireType))
  const sized = (n: number): Uint8Array =>
    Uint8Array.from({ length: n }, (_, i) => m.bytes[i % Math.max(1, m.bytes.length)] ?? i)
  if (wireType === 0) return { tag, delimited: false, payload: varintBytes(BigInt(m.a)) }
  if (wireType === 1) return { tag, delimited: false, payload: sized(8) }
  if (wireType === 5) return { tag, delimited: false, payload: sized(4) }
  if (wireType === 2) return { tag, delimited: true, payload: m.bytes }
  return { tag, delimited: false, payload: new Uint8Array(0) } // 3, 4, 6, 7: a lone tag
}

/** An unknown group holding one varint field (field 0 at times), closed by its own end tag or (sometimes) another field's. */
function randomGroup(m: Mutation): WireField {
  const number = 14 + (m.target % 6)
  const closer = m.a % 4 === 0 ? number + 1 : number
  const inner = Buffer.concat([varintBytes(BigInt((m.a % 6) << 3)), varintBytes(BigInt(m.a))]) // field 0 now and then
  return {
    tag: varintBytes(BigInt((number << 3) | 3)),
    delimited: false,
    payload: Buffer.concat([inner, varintBytes(BigInt((closer << 3) | 4))]),
  }
}
