/*
 * The best (hash, nonce) seen by the argmin kernel. Lanes offer their results in no particular nonce order
 * (four decades at once), so the comparison itself carries the tie rule: equal hashes go to the smaller nonce.
 */

// The best candidate so far.
export let hasBest: bool = false
export let bestHi: u32 = 0xffffffff
export let bestLo: u32 = 0xffffffff
export let bestNonce: u64 = 0

/** Does (hi, lo, nonce) beat the best so far? Smaller hash wins; equal hashes go to the smaller nonce. */
// @ts-ignore: decorator
@inline function beats(hi: u32, lo: u32, nonce: u64): bool {
  if (!hasBest) return true
  if (hi != bestHi) return hi < bestHi
  if (lo != bestLo) return lo < bestLo
  return nonce < bestNonce
}

/** Offers a candidate to the best so far; every lane's result goes through here (tests call it too). */
export function offer(hi: u32, lo: u32, nonce: u64): void {
  if (!beats(hi, lo, nonce)) return
  hasBest = true
  bestHi = hi
  bestLo = lo
  bestNonce = nonce
}

export function resetBest(): void {
  hasBest = false
  bestHi = 0xffffffff
  bestLo = 0xffffffff
  bestNonce = 0
}

export function resultFound(): bool {
  return hasBest
}

export function resultNonce(): u64 {
  return bestNonce
}

export function resultHash(): u64 {
  return (<u64>bestHi << 32) | <u64>bestLo
}
