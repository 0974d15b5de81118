import { InvalidArgumentError } from './errors.js'

/** An unsigned 64-bit integer, always a bigint: JS numbers lose precision above 2^53. */
export type Uint64 = bigint

export const UINT64_MAX: Uint64 = (1n << 64n) - 1n

export function isUint64(value: bigint): boolean {
  return value >= 0n && value <= UINT64_MAX
}

const DECIMAL = /^(0|[1-9][0-9]{0,19})$/

/** Parses a canonical decimal uint64 ("0".."18446744073709551615"); anything else is an invalid argument. */
export function parseUint64(text: string, field: string): Uint64 {
  if (!DECIMAL.test(text)) throw new InvalidArgumentError(`${field} must be a decimal uint64, got "${text}"`)
  const value = BigInt(text)
  if (value > UINT64_MAX) throw new InvalidArgumentError(`${field} exceeds 2^64-1: ${text}`)
  return value
}

export function requireUint64(value: bigint, field: string): Uint64 {
  if (!isUint64(value)) throw new InvalidArgumentError(`${field} must be within 0..2^64-1, got ${value}`)
  return value
}
