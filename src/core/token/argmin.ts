import type { Uint64 } from '../uint64.js'

/** The winning nonce of a range and its hash H(name, nonce) (the first 8 bytes of SHA-256, big-endian). */
export interface Argmin {
  readonly nonce: Uint64
  readonly hash: Uint64
}

/** The smaller hash wins; on equal hashes the smaller nonce wins. `undefined` is an empty range. */
export function betterArgmin(a: Argmin | undefined, b: Argmin | undefined): Argmin | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  if (a.hash !== b.hash) return a.hash < b.hash ? a : b
  return a.nonce <= b.nonce ? a : b
}
