import { InvalidArgumentError } from '../errors.js'
import { isUint64, type Uint64 } from '../uint64.js'
import { type Argmin, betterArgmin } from './argmin.js'
import { isArgminOf } from './argmin-check.js'

/**
 * The replicated state of a written token: what the writer computed, never recomputed by a replica.
 * `partial` is the argmin over [low, mid) (undefined when low == mid); `final` the argmin over [low, high),
 * undefined until a read computes it.
 */
export interface TokenValue {
  readonly name: string
  readonly low: Uint64
  readonly mid: Uint64
  readonly high: Uint64
  readonly partial: Argmin | undefined
  readonly final: Argmin | undefined
}

/**
 * The register's value: `empty` is the initial value of a created token (reads as undefined), `absent` the
 * tombstone of a dropped one (reads and writes fail not-found until it is created again).
 */
export type RegisterValue =
  | { readonly kind: 'empty' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'token'; readonly token: TokenValue }

export const EMPTY: RegisterValue = Object.freeze({ kind: 'empty' })
export const ABSENT: RegisterValue = Object.freeze({ kind: 'absent' })

/** What a client asks the writer to write. */
export interface WriteInput {
  readonly name: string
  readonly low: Uint64
  readonly mid: Uint64
  readonly high: Uint64
}

export const DEFAULT_MAX_DOMAIN_SIZE = 100_000_000n

/** Longest accepted name in UTF-8 bytes: bounds message sizes and per-hash work. */
export const MAX_NAME_BYTES = 4096

/** Rejects a write that breaks `low <= mid < high`, leaves uint64, or exceeds the domain limit. */
export function validateWriteInput(input: WriteInput, maxDomainSize: Uint64): void {
  const problem = writeInputProblem(input, maxDomainSize)
  if (problem !== undefined) throw new InvalidArgumentError(problem)
}

/** Why `input` is not a valid write, or undefined; never throws (replicas call it for every value they receive). */
export function writeInputProblem(input: WriteInput, maxDomainSize: Uint64): string | undefined {
  for (const field of ['low', 'mid', 'high'] as const) {
    if (!isUint64(input[field])) return `${field} must be within 0..2^64-1, got ${input[field]}`
  }
  if (!(input.low <= input.mid && input.mid < input.high)) {
    return `domain must satisfy low <= mid < high, got low=${input.low} mid=${input.mid} high=${input.high}`
  }
  const size = input.high - input.low
  if (size > maxDomainSize) return `domain size ${size} exceeds the maximum of ${maxDomainSize} values`
  if (utf8Length(input.name) > MAX_NAME_BYTES) return `name exceeds ${MAX_NAME_BYTES} bytes of UTF-8`
  return undefined
}

/** UTF-8 length without encoding: a UTF-16 unit is at most 3 bytes, so short names need no count at all. */
function utf8Length(text: string): number {
  if (text.length * 3 <= MAX_NAME_BYTES) return text.length
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4
      i++
    } else bytes += 3 // the rest of the BMP, and a lone surrogate (encoded as U+FFFD)
  }
  return bytes
}

const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff

/**
 * False for a replicated value that no writer of this scheme could have produced (broken domain, oversize name,
 * a partial or final outside its range, or a hash that is not H(name, nonce)): a replica refuses it rather than
 * store it or hash over it. Checking the hashes costs two SHA-256 computations per value, one when the final is
 * the partial (measured on a tight loop: about 2 us per value for a short name against 0.1-0.2 us for the range
 * checks alone; for a 4096-byte name about 16 us against 14). Checking that each nonce is the argmin would cost
 * hashing the whole range, so a replica does not.
 */
export function isPlausibleValue(value: RegisterValue, maxDomainSize: Uint64): boolean {
  if (value.kind !== 'token') return true
  const t = value.token
  if (writeInputProblem(t, maxDomainSize) !== undefined) return false
  if ((t.low === t.mid) !== (t.partial === undefined)) return false
  if (!isArgminOf(t.name, t.partial, t.low, t.mid)) return false
  // A final that is the partial (the common case when the partial wins) was checked just now.
  if (t.final !== undefined && t.partial !== undefined && sameArgmin(t.final, t.partial)) return true
  return isArgminOf(t.name, t.final, t.low, t.high)
}

const sameArgmin = (a: Argmin, b: Argmin): boolean => a.nonce === b.nonce && a.hash === b.hash

/** The writer's state after computing the partial value; final is reset. */
export function writtenToken(input: WriteInput, partial: Argmin | undefined): TokenValue {
  return { name: input.name, low: input.low, mid: input.mid, high: input.high, partial, final: undefined }
}

/** final = the better of partial and the argmin of [mid, high). */
export function withFinal(token: TokenValue, upper: Argmin | undefined): TokenValue {
  return { ...token, final: betterArgmin(token.partial, upper) }
}

/** True when the value needs no more work before a read may return it. */
export function isComplete(value: RegisterValue): boolean {
  return value.kind !== 'token' || value.token.final !== undefined
}
