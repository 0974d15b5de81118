/*
 * WASM SIMD argmin kernel (AssemblyScript): argmin over x in [low, last] of H(name, x), the first 8 bytes
 * (big-endian) of SHA-256(utf8(`${name} ${x}`)). Same definition as src/core/hash/sha256-argmin.ts.
 *
 * Four nonces are hashed at once, one per i32x4 lane (lane i holds nonce groupNonce + i). The message tail
 * lives in linear memory transposed: word w of every lane is one v128, stored as native i32 holding the
 * big-endian word, so a lane's ASCII digits are incremented in place with byte stores. The range is cut at
 * powers of ten so a segment has one digit count, hence one layout and block count for all four lanes.
 * Reuse, as in the TypeScript kernel: the name's whole 64-byte blocks are compressed once (midstate); a tail
 * block before the first changed byte is not recomputed; inside the block holding the last digit, the rounds
 * before that digit's word resume from a snapshot; a second tail block that holds no digit keeps its schedule.
 */

const K: usize = memory.data<i32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])
const IV: usize = memory.data<i32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
])
/** 10^0 .. 10^19: the first nonce of each digit count. */
const POW10: usize = memory.data<u64>([
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
  1000000000000, 10000000000000, 100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
  1000000000000000000, 10000000000000000000,
])

const V = 16 // bytes per v128
/** K[t] splatted to all lanes. */
const KV: usize = memory.data(64 * V, 16)
/** Per tail block (2): 64 schedule words as v128; words 0..15 are the message itself (transposed). */
const SCHED: usize = memory.data(2 * 64 * V, 16)
/** Chaining values entering tail block 0, 1 and the digest after the last tail block: 3 x 8 v128. */
const CHAIN: usize = memory.data(3 * 8 * V, 16)
/** Working variables before round snapRound of block snapBlock. */
const SNAP: usize = memory.data(8 * V, 16)
/** Working variables after the last round of a block. */
const WORK: usize = memory.data(8 * V, 16)
/** Scalar SHA-256 state and schedule for the name's midstate. */
const MID: usize = memory.data(8 * 4, 16)
const MSCHED: usize = memory.data(64 * 4, 16)

const ZERO: u8 = 0x30
const NINE: u8 = 0x39
/** dirtyFrom past both tail blocks: nothing changed since the last hash. */
const CLEAN: i32 = 128

// The name: its UTF-8 bytes at __heap_base (written by the host), then a space appended here.
let prefixLength: i32 = 0
/** Bytes of `name + " "` after its whole 64-byte blocks: they start tail block 0. */
let remainderStart: usize = 0
let remainderLength: i32 = 0

// The current segment's layout.
let lastPos: i32 = 0
let tailBlocks: i32 = 1
let snapBlock: i32 = 0
let snapRound: i32 = 0
let snapValid: bool = false
let dirtyFrom: i32 = 0

// The best candidate so far.
let hasBest: bool = false
let bestHi: u32 = 0
let bestLo: u32 = 0
let bestNonce: u64 = 0

/** Address of tail byte p of a lane (the byte sits in a native i32 holding a big-endian word). */
// @ts-ignore: decorator
@inline function byteAt(p: i32, lane: i32): usize {
  return SCHED + <usize>((p >> 6) * 64 * V + ((p & 63) >> 2) * V + (lane << 2) + (3 - (p & 3)))
}

// @ts-ignore: decorator
@inline function vrotr(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n))
}

// @ts-ignore: decorator
@inline function add(x: v128, y: v128): v128 {
  return i32x4.add(x, y)
}

/** Fills words 16..63 of the schedule at w from words 0..15. */
function expand(w: usize): void {
  for (let t: usize = 16; t < 64; t++) {
    const x = v128.load(w + (t - 15) * V)
    const y = v128.load(w + (t - 2) * V)
    const s0 = v128.xor(v128.xor(vrotr(x, 7), vrotr(x, 18)), i32x4.shr_u(x, 3))
    const s1 = v128.xor(v128.xor(vrotr(y, 17), vrotr(y, 19)), i32x4.shr_u(y, 10))
    v128.store(w + t * V, add(add(v128.load(w + (t - 16) * V), s0), add(v128.load(w + (t - 7) * V), s1)))
  }
}

// @ts-ignore: decorator
@inline function bigSigma1(e: v128): v128 {
  return v128.xor(v128.xor(vrotr(e, 6), vrotr(e, 11)), vrotr(e, 25))
}

// @ts-ignore: decorator
@inline function bigSigma0(a: v128): v128 {
  return v128.xor(v128.xor(vrotr(a, 2), vrotr(a, 13)), vrotr(a, 22))
}

/** T1 of round t: h + Sigma1(e) + Ch(e, f, g) + K[t] + W[t]. */
// @ts-ignore: decorator
@inline function t1Of(e: v128, f: v128, g: v128, h: v128, w: usize, t: i32): v128 {
  const kw = add(v128.load(KV + <usize>t * V), v128.load(w + <usize>t * V))
  return add(add(h, bigSigma1(e)), add(v128.bitselect(f, g, e), kw))
}

/** T2: Sigma0(a) + Maj(a, b, c), with Maj = ((a ^ b) & (b ^ c)) ^ b and b ^ c the previous round's a ^ b. */
// @ts-ignore: decorator
@inline function t2Of(a: v128, b: v128, ab: v128, bc: v128): v128 {
  return add(bigSigma0(a), v128.xor(v128.and(ab, bc), b))
}

/**
 * Runs rounds [from, to) with schedule w on the working variables at src, writing them to dst. Eight rounds
 * per iteration with the roles of a..h rotated by name, so no value moves between registers per round.
 */
function rounds(src: usize, w: usize, from: i32, to: i32, dst: usize): void {
  let a = v128.load(src, 0), b = v128.load(src, 16), c = v128.load(src, 32), d = v128.load(src, 48)
  let e = v128.load(src, 64), f = v128.load(src, 80), g = v128.load(src, 96), h = v128.load(src, 112)
  let x = v128.xor(b, c)
  let y = x
  let t = from
  // Single rounds until to - t is a multiple of 8.
  for (; ((to - t) & 7) != 0; t++) {
    const t1 = t1Of(e, f, g, h, w, t)
    y = v128.xor(a, b)
    const t2 = t2Of(a, b, y, x)
    h = g; g = f; f = e; e = add(d, t1)
    d = c; c = b; b = a; a = add(t1, t2)
    x = y
  }
  for (; t < to; t += 8) {
    let t1 = t1Of(e, f, g, h, w, t)
    y = v128.xor(a, b); d = add(d, t1); h = add(t1, t2Of(a, b, y, x))
    t1 = t1Of(d, e, f, g, w, t + 1)
    x = v128.xor(h, a); c = add(c, t1); g = add(t1, t2Of(h, a, x, y))
    t1 = t1Of(c, d, e, f, w, t + 2)
    y = v128.xor(g, h); b = add(b, t1); f = add(t1, t2Of(g, h, y, x))
    t1 = t1Of(b, c, d, e, w, t + 3)
    x = v128.xor(f, g); a = add(a, t1); e = add(t1, t2Of(f, g, x, y))
    t1 = t1Of(a, b, c, d, w, t + 4)
    y = v128.xor(e, f); h = add(h, t1); d = add(t1, t2Of(e, f, y, x))
    t1 = t1Of(h, a, b, c, w, t + 5)
    x = v128.xor(d, e); g = add(g, t1); c = add(t1, t2Of(d, e, x, y))
    t1 = t1Of(g, h, a, b, w, t + 6)
    y = v128.xor(c, d); f = add(f, t1); b = add(t1, t2Of(c, d, y, x))
    t1 = t1Of(f, g, h, a, w, t + 7)
    x = v128.xor(b, c); e = add(e, t1); a = add(t1, t2Of(b, c, x, y))
  }
  v128.store(dst, a, 0); v128.store(dst, b, 16); v128.store(dst, c, 32); v128.store(dst, d, 48)
  v128.store(dst, e, 64); v128.store(dst, f, 80); v128.store(dst, g, 96); v128.store(dst, h, 112)
}

/** Scalar compression of the 64 bytes at block into MID (for the name's whole blocks). */
function compressScalar(block: usize): void {
  for (let i: usize = 0; i < 16; i++) store<u32>(MSCHED + i * 4, bswap<u32>(load<u32>(block + i * 4)))
  for (let t: usize = 16; t < 64; t++) {
    const x = load<u32>(MSCHED + (t - 15) * 4)
    const y = load<u32>(MSCHED + (t - 2) * 4)
    const s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3)
    const s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >>> 10)
    store<u32>(MSCHED + t * 4, load<u32>(MSCHED + (t - 16) * 4) + s0 + load<u32>(MSCHED + (t - 7) * 4) + s1)
  }
  let a = load<u32>(MID, 0), b = load<u32>(MID, 4), c = load<u32>(MID, 8), d = load<u32>(MID, 12)
  let e = load<u32>(MID, 16), f = load<u32>(MID, 20), g = load<u32>(MID, 24), h = load<u32>(MID, 28)
  for (let t: usize = 0; t < 64; t++) {
    const t1 = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) +
      load<u32>(K + t * 4) + load<u32>(MSCHED + t * 4)
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
    h = g; g = f; f = e; e = d + t1
    d = c; c = b; b = a; a = t1 + t2
  }
  store<u32>(MID, load<u32>(MID, 0) + a, 0); store<u32>(MID, load<u32>(MID, 4) + b, 4)
  store<u32>(MID, load<u32>(MID, 8) + c, 8); store<u32>(MID, load<u32>(MID, 12) + d, 12)
  store<u32>(MID, load<u32>(MID, 16) + e, 16); store<u32>(MID, load<u32>(MID, 20) + f, 20)
  store<u32>(MID, load<u32>(MID, 24) + g, 24); store<u32>(MID, load<u32>(MID, 28) + h, 28)
}

let constantsReady = false

function initConstants(): void {
  if (constantsReady) return
  for (let t: usize = 0; t < 64; t++) v128.store(KV + t * V, i32x4.splat(load<i32>(K + t * 4)))
  constantsReady = true
}

/** Where the host writes the name's UTF-8 bytes: room for length + 1 bytes (the space), memory grown. */
export function nameBuffer(length: i32): usize {
  const end = __heap_base + <usize>length + 1
  const pages = <i32>((end + 0xffff) >>> 16)
  const have = memory.size()
  if (pages > have && memory.grow(pages - have) < 0) unreachable()
  return __heap_base
}

/** Takes the name of `length` bytes at nameBuffer: appends the space and compresses its whole blocks. */
export function setName(length: i32): void {
  initConstants()
  store<u8>(__heap_base + <usize>length, 0x20)
  prefixLength = length + 1
  memory.copy(MID, IV, 32)
  const wholeBlocks = prefixLength >> 6
  for (let i = 0; i < wholeBlocks; i++) compressScalar(__heap_base + <usize>(i << 6))
  for (let i: usize = 0; i < 8; i++) v128.store(CHAIN + i * V, i32x4.splat(load<i32>(MID + i * 4)))
  remainderStart = __heap_base + <usize>(wholeBlocks << 6)
  remainderLength = prefixLength - (wholeBlocks << 6)
}

/** Writes the decimal digits of nonce (digitCount of them) into a lane. */
function writeDigits(lane: i32, nonce: u64): void {
  for (let p = lastPos; p >= remainderLength; p--) {
    store<u8>(byteAt(p, lane), ZERO + <u8>(nonce % 10))
    nonce /= 10
  }
}

/** Lays out the tail of all four lanes for nonces first + lane (a lane past last repeats first). */
function layout(digitCount: i32, first: u64, last: u64): void {
  memory.fill(SCHED, 0, 16 * V)
  memory.fill(SCHED + 64 * V, 0, 16 * V)
  const r = remainderLength
  for (let p = 0; p < r; p++) {
    const byte = load<u8>(remainderStart + <usize>p)
    for (let lane = 0; lane < 4; lane++) store<u8>(byteAt(p, lane), byte)
  }
  lastPos = r + digitCount - 1
  for (let lane = 0; lane < 4; lane++) writeDigits(lane, first + <u64>lane <= last ? first + <u64>lane : first)
  for (let lane = 0; lane < 4; lane++) store<u8>(byteAt(lastPos + 1, lane), 0x80)
  tailBlocks = lastPos + 1 + 9 <= 64 ? 1 : 2
  const bits = (<u64>prefixLength + <u64>digitCount) * 8
  const lengthWords = SCHED + <usize>(tailBlocks - 1) * 64 * V + 14 * V
  v128.store(lengthWords, i32x4.splat(<i32>(bits >>> 32)))
  v128.store(lengthWords + V, i32x4.splat(<i32>bits))
  snapBlock = lastPos >> 6
  snapRound = (lastPos & 63) >> 2
  snapValid = false
  dirtyFrom = 0
  // A second block without digits never changes within the segment: its schedule is expanded once here.
  if (tailBlocks == 2 && snapBlock == 0) expand(SCHED + 64 * V)
}

/** Adds step (1..9) to a lane's nonce in place; the caller keeps it within the segment's digit count. */
function increment(lane: i32, step: u8): void {
  let p = lastPos
  let c = load<u8>(byteAt(p, lane)) + step
  while (c > NINE) {
    store<u8>(byteAt(p, lane), c - 10)
    p--
    c = load<u8>(byteAt(p, lane)) + 1
  }
  store<u8>(byteAt(p, lane), c)
  if (p < dirtyFrom) dirtyFrom = p
}

/** Hashes the four lanes into CHAIN's digest, recomputing only what changed since the last hash. */
function hashLanes(): void {
  const from = dirtyFrom
  for (let blk = from >> 6; blk < tailBlocks; blk++) {
    const w = SCHED + <usize>blk * 64 * V
    const chainIn = CHAIN + <usize>blk * 8 * V
    const constantBlock = blk > snapBlock
    if (!constantBlock) expand(w)
    if (blk == snapBlock) {
      if (!(snapValid && from >= snapBlock * 64 + snapRound * 4)) {
        rounds(chainIn, w, 0, snapRound, SNAP)
        snapValid = true
      }
      rounds(SNAP, w, snapRound, 64, WORK)
    } else {
      rounds(chainIn, w, 0, 64, WORK)
    }
    const chainOut = chainIn + 8 * V
    for (let i: usize = 0; i < 8; i++) v128.store(chainOut + i * V, add(v128.load(chainIn + i * V), v128.load(WORK + i * V)))
  }
  dirtyFrom = CLEAN
}

/** Does (hi, lo, nonce) beat the best so far? Smaller hash wins; equal hashes go to the smaller nonce. */
// @ts-ignore: decorator
@inline function beats(hi: u32, lo: u32, nonce: u64): bool {
  if (!hasBest) return true
  if (hi != bestHi) return hi < bestHi
  if (lo != bestLo) return lo < bestLo
  return nonce < bestNonce
}

/** Offers a candidate to the best so far (exported so tests can check the tie rule on this very path). */
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

/** Argmin over [first, last], all with digitCount digits. */
function scanSegment(digitCount: i32, first: u64, last: u64): void {
  layout(digitCount, first, last)
  const digest = CHAIN + <usize>tailBlocks * 8 * V // the last block's output
  let groupNonce = first
  let remaining = last - first + 1 // >= 1, fits: a segment never spans all of uint64
  while (true) {
    hashLanes()
    // Cheap filter: only a lane whose top word is <= the best's can win (always true before the first).
    if (v128.any_true(i32x4.le_u(v128.load(digest), i32x4.splat(<i32>bestHi)))) {
      const active = remaining < 4 ? <i32>remaining : 4
      for (let lane = 0; lane < active; lane++) {
        offer(load<u32>(digest + <usize>(lane << 2)), load<u32>(digest + V + <usize>(lane << 2)), groupNonce + <u64>lane)
      }
    }
    if (remaining <= 4) break
    remaining -= 4
    groupNonce += 4
    const next = remaining < 4 ? <i32>remaining : 4
    for (let lane = 0; lane < next; lane++) increment(lane, 4)
  }
}

/** Argmin of H(name, x) over x in [low, last] (inclusive, so the top of uint64 fits). Read with result*(). */
export function argmin(low: u64, last: u64): void {
  resetBest()
  if (low > last) return
  for (let digits = 1; digits <= 20; digits++) {
    const segmentLow: u64 = digits == 1 ? 0 : load<u64>(POW10 + <usize>(digits - 1) * 8)
    const segmentHigh: u64 = digits == 20 ? u64.MAX_VALUE : load<u64>(POW10 + <usize>digits * 8) - 1
    const first = low > segmentLow ? low : segmentLow
    const end = last < segmentHigh ? last : segmentHigh
    if (first <= end) scanSegment(digits, first, end)
  }
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
