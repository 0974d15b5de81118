/*
 * SHA-256 on four messages at once, one per i32x4 lane (AssemblyScript, WASM SIMD). A schedule is 64 v128
 * words in linear memory (word t of every lane); KW[t] = K[t] + W[t] is kept beside it so a round loads one
 * vector. Also a scalar compression for the name's whole blocks.
 */

/** Bytes per v128. */
export const V: usize = 16

export const K: usize = memory.data<i32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

export const IV: usize = memory.data<i32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
])

/** K[t] splatted to all lanes (filled by initRoundConstants). */
export const KV: usize = memory.data(64 * 16, 16)

let roundConstantsReady = false

export function initRoundConstants(): void {
  if (roundConstantsReady) return
  for (let t: usize = 0; t < 64; t++) v128.store(KV + t * V, i32x4.splat(load<i32>(K + t * 4)))
  roundConstantsReady = true
}

// @ts-ignore: decorator
@inline export function add(x: v128, y: v128): v128 {
  return i32x4.add(x, y)
}

// WASM SIMD has no rotate: a shift pair and an or (V8 emits three AVX instructions).
// @ts-ignore: decorator
@inline function vrotr(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n))
}

// @ts-ignore: decorator
@inline export function smallSigma0(x: v128): v128 {
  return v128.xor(v128.xor(vrotr(x, 7), vrotr(x, 18)), i32x4.shr_u(x, 3))
}

// @ts-ignore: decorator
@inline export function smallSigma1(x: v128): v128 {
  return v128.xor(v128.xor(vrotr(x, 17), vrotr(x, 19)), i32x4.shr_u(x, 10))
}

// @ts-ignore: decorator
@inline export function bigSigma0(a: v128): v128 {
  return v128.xor(v128.xor(vrotr(a, 2), vrotr(a, 13)), vrotr(a, 22))
}

// @ts-ignore: decorator
@inline export function bigSigma1(e: v128): v128 {
  return v128.xor(v128.xor(vrotr(e, 6), vrotr(e, 11)), vrotr(e, 25))
}

/** Ch(e, f, g): f where e has a 1 bit, else g. */
// @ts-ignore: decorator
@inline export function choose(e: v128, f: v128, g: v128): v128 {
  return v128.bitselect(f, g, e)
}

/** Maj(a, b, c) as ((a ^ b) & (b ^ c)) ^ b, where b ^ c is the previous round's a ^ b. */
// @ts-ignore: decorator
@inline export function majority(b: v128, ab: v128, bc: v128): v128 {
  return v128.xor(v128.and(ab, bc), b)
}

/** KW[t] = K[t] + W[t] for t in [from, to). */
export function addRoundConstants(w: usize, kw: usize, from: usize, to: usize): void {
  for (let t = from; t < to; t++) v128.store(kw + t * V, add(v128.load(KV + t * V), v128.load(w + t * V)))
}

/** Schedule words [from, to) from the earlier ones (from >= 16), with their KW. */
export function expandFrom(w: usize, kw: usize, from: usize, to: usize = 64): void {
  for (let t = from; t < to; t++) {
    const sum = add(
      add(v128.load(w + (t - 16) * V), smallSigma0(v128.load(w + (t - 15) * V))),
      add(v128.load(w + (t - 7) * V), smallSigma1(v128.load(w + (t - 2) * V))),
    )
    v128.store(w + t * V, sum)
    v128.store(kw + t * V, add(sum, v128.load(KV + t * V)))
  }
}

/** The whole schedule and KW from message words 0..15. */
export function expandAll(w: usize, kw: usize): void {
  addRoundConstants(w, kw, 0, 16)
  expandFrom(w, kw, 16)
}

/**
 * Schedule word t + 16 and its KW, from wt = &W[t], kwt = &KW[t] and kt = &KV[t]. Every access is a base plus a
 * small positive constant, which Binaryen folds into the instruction's offset (a computed address costs V8 an
 * extra instruction per access).
 */
// @ts-ignore: decorator
@inline export function expandWord(wt: usize, kwt: usize, kt: usize): void {
  const sum = add(
    add(v128.load(wt), smallSigma0(v128.load(wt + V))),
    add(v128.load(wt + 9 * V), smallSigma1(v128.load(wt + 14 * V))),
  )
  v128.store(wt + 16 * V, sum)
  v128.store(kwt + 16 * V, add(sum, v128.load(kt + 16 * V)))
}

/**
 * A round's new e, d + T1, summed as (h + KW[t] + d + Ch(e, f, g)) + Sigma1(e). Vector instructions take two
 * cycles here (Zen 5) and the rounds are latency-bound: this order leaves Sigma1's four levels and one add
 * after e is known (five levels instead of seven), the rest was ready earlier.
 */
// @ts-ignore: decorator
@inline export function nextE(d: v128, e: v128, f: v128, g: v128, h: v128, kwt: v128): v128 {
  return add(add(add(add(h, kwt), d), choose(e, f, g)), bigSigma1(e))
}

/** A round's new a, T1 + T2, as Sigma0(a) + (Maj(a, b, c) + (eNext - d)): off the new e's path. */
// @ts-ignore: decorator
@inline export function nextA(a: v128, b: v128, ab: v128, bc: v128, d: v128, eNext: v128): v128 {
  return add(bigSigma0(a), add(majority(b, ab, bc), i32x4.sub(eNext, d)))
}

/**
 * Runs rounds [from, to) with KW at kw on the working variables a..h at src, writing them to dst. Eight
 * rounds per iteration with the roles of a..h renamed, so no value moves between registers per round.
 */
export function rounds(src: usize, kw: usize, from: i32, to: i32, dst: usize): void {
  let a = v128.load(src, 0), b = v128.load(src, 16), c = v128.load(src, 32), d = v128.load(src, 48)
  let e = v128.load(src, 64), f = v128.load(src, 80), g = v128.load(src, 96), h = v128.load(src, 112)
  let x = v128.xor(b, c)
  let y = x
  let p = kw + <usize>from * V
  // Single rounds until to - from is a multiple of 8.
  for (let t = from; ((to - t) & 7) != 0; t++) {
    const eNext = nextE(d, e, f, g, h, v128.load(p))
    y = v128.xor(a, b)
    const aNext = nextA(a, b, y, x, d, eNext)
    h = g; g = f; f = e; e = eNext
    d = c; c = b; b = a; a = aNext
    x = y
    p += V
  }
  const end = kw + <usize>to * V
  for (; p < end; p += 8 * V) {
    let n = nextE(d, e, f, g, h, v128.load(p, 0))
    y = v128.xor(a, b); h = nextA(a, b, y, x, d, n); d = n
    n = nextE(c, d, e, f, g, v128.load(p, 16))
    x = v128.xor(h, a); g = nextA(h, a, x, y, c, n); c = n
    n = nextE(b, c, d, e, f, v128.load(p, 32))
    y = v128.xor(g, h); f = nextA(g, h, y, x, b, n); b = n
    n = nextE(a, b, c, d, e, v128.load(p, 48))
    x = v128.xor(f, g); e = nextA(f, g, x, y, a, n); a = n
    n = nextE(h, a, b, c, d, v128.load(p, 64))
    y = v128.xor(e, f); d = nextA(e, f, y, x, h, n); h = n
    n = nextE(g, h, a, b, c, v128.load(p, 80))
    x = v128.xor(d, e); c = nextA(d, e, x, y, g, n); g = n
    n = nextE(f, g, h, a, b, v128.load(p, 96))
    y = v128.xor(c, d); b = nextA(c, d, y, x, f, n); f = n
    n = nextE(e, f, g, h, a, v128.load(p, 112))
    x = v128.xor(b, c); a = nextA(b, c, x, y, e, n); e = n
  }
  v128.store(dst, a, 0); v128.store(dst, b, 16); v128.store(dst, c, 32); v128.store(dst, d, 48)
  v128.store(dst, e, 64); v128.store(dst, f, 80); v128.store(dst, g, 96); v128.store(dst, h, 112)
}

/** Scalar compression of the 64 bytes at block into the 8-word state (sched: 64 words of scratch). */
export function compressScalar(state: usize, block: usize, sched: usize): void {
  for (let i: usize = 0; i < 16; i++) store<u32>(sched + i * 4, bswap<u32>(load<u32>(block + i * 4)))
  for (let t: usize = 16; t < 64; t++) {
    const x = load<u32>(sched + (t - 15) * 4)
    const y = load<u32>(sched + (t - 2) * 4)
    const s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3)
    const s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >>> 10)
    store<u32>(sched + t * 4, load<u32>(sched + (t - 16) * 4) + s0 + load<u32>(sched + (t - 7) * 4) + s1)
  }
  let a = load<u32>(state, 0), b = load<u32>(state, 4), c = load<u32>(state, 8), d = load<u32>(state, 12)
  let e = load<u32>(state, 16), f = load<u32>(state, 20), g = load<u32>(state, 24), h = load<u32>(state, 28)
  for (let t: usize = 0; t < 64; t++) {
    const t1 = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) +
      load<u32>(K + t * 4) + load<u32>(sched + t * 4)
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
    h = g; g = f; f = e; e = d + t1
    d = c; c = b; b = a; a = t1 + t2
  }
  store<u32>(state, load<u32>(state, 0) + a, 0); store<u32>(state, load<u32>(state, 4) + b, 4)
  store<u32>(state, load<u32>(state, 8) + c, 8); store<u32>(state, load<u32>(state, 12) + d, 12)
  store<u32>(state, load<u32>(state, 16) + e, 16); store<u32>(state, load<u32>(state, 20) + f, 20)
  store<u32>(state, load<u32>(state, 24) + g, 24); store<u32>(state, load<u32>(state, 28) + h, 28)
}
