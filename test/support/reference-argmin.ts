import fc from 'fast-check'
import { createHash } from 'node:crypto'
import type { Argmin } from '../../src/core/token/argmin.js'

export const TWO_64 = 1n << 64n

/** H(name, x) by definition, with node:crypto: the first 8 bytes of SHA-256 of `name x`, big-endian. */
export function cryptoHash(name: string, x: bigint): bigint {
  return createHash('sha256').update(`${name} ${x}`).digest().readBigUInt64BE(0)
}

/** The argmin by definition: one hash per nonce in increasing order; strict < keeps the smaller nonce on a tie. */
export function referenceArgmin(name: string, low: bigint, high: bigint): Argmin | undefined {
  let best: Argmin | undefined
  for (let x = low; x < high; x++) {
    const hash = cryptoHash(name, x)
    if (best === undefined || hash < best.hash) best = { nonce: x, hash }
  }
  return best
}

/** Names of 0..130 UTF-8 bytes: ASCII, multi-code-point graphemes, any code point (1..4 bytes each). */
export const nameArb = fc
  .oneof(
    fc.string({ maxLength: 130 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  )
  .filter((name) => Buffer.byteLength(name) <= 130)
