import { InvalidArgumentError } from '../errors.js'
import { requireUint64, type Uint64 } from '../uint64.js'
import { type Argmin, betterArgmin } from './argmin.js'

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

const utf8 = new TextEncoder()

/** Rejects a write that breaks `low <= mid < high`, leaves uint64, or exceeds the domain limit. */
export function validateWriteInput(input: WriteInput, maxDomainSize: Uint64): void {
  requireUint64(input.low, 'low')
  requireUint64(input.mid, 'mid')
  requireUint64(input.high, 'high')
  if (!(input.low <= input.mid && input.mid < input.high)) {
    throw new InvalidArgumentError(
      `domain must satisfy low <= mid < high, got low=${input.low} mid=${input.mid} high=${input.high}`)
  }
  const size = input.high - input.low
  if (size > maxDomainSize) {
    throw new InvalidArgumentError(`domain size ${size} exceeds the maximum of ${maxDomainSize} values`)
  }
  if (utf8.encode(input.name).length > MAX_NAME_BYTES) {
    throw new InvalidArgumentError(`name exceeds ${MAX_NAME_BYTES} bytes of UTF-8`)
  }
}

/**
 * False for a replicated value that no writer of this scheme could have produced (broken domain, oversize name,
 * argmin outside its range): a replica refuses it rather than store it or hash over it.
 */
export function isPlausibleValue(value: RegisterValue, maxDomainSize: Uint64): boolean {
  if (value.kind !== 'token') return true
  const t = value.token
  try {
    validateWriteInput(t, maxDomainSize)
  } catch {
    return false
  }
  const within = (a: Argmin | undefined, high: Uint64): boolean => a === undefined || (a.nonce >= t.low && a.nonce < high)
  return (t.low === t.mid) === (t.partial === undefined) && within(t.partial, t.mid) && within(t.final, t.high)
}

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
