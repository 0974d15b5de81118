import { Sha256Argmin } from '../hash/sha256-argmin.js'
import type { Uint64 } from '../uint64.js'
import type { Argmin } from './argmin.js'

/**
 * A scanner of its own, not the one argminRange shares: it keeps the midstate of the name it checked last, so the
 * partial and the final of one value pay for the name's whole blocks once, and no other caller evicts it between.
 */
const checker = new Sha256Argmin()

/** True when `argmin.hash` is H(name, argmin.nonce): one SHA-256 of `name + " " + nonce`. */
export function hashMatchesNonce(name: string, argmin: Argmin): boolean {
  return checker.argminRange(name, argmin.nonce, argmin.nonce + 1n)?.hash === argmin.hash
}

/** True when `argmin` is absent or its nonce lies in [low, high) and its hash is H(name, nonce). */
export function isArgminOf(name: string, argmin: Argmin | undefined, low: Uint64, high: Uint64): boolean {
  if (argmin === undefined) return true
  return argmin.nonce >= low && argmin.nonce < high && hashMatchesNonce(name, argmin)
}
