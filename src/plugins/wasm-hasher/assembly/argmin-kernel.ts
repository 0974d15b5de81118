/*
 * WASM SIMD argmin kernel (AssemblyScript): argmin over x in [low, last] of H(name, x), the first 8 bytes
 * (big-endian) of SHA-256(utf8(`${name} ${x}`)); same definition as src/core/hash/sha256-argmin.ts. The whole
 * loop runs here; the host passes the name once and reads back the nonce and hash.
 *
 * Four lanes hash four decades at once: lane i holds nonce 10 * (q0 + i) + d, and d runs 0..9 in all lanes
 * together, so between two hashes only the last digit's message word changes (a carry lands once per ten
 * hashes, when q0 += 4). The range is cut at powers of ten, so a segment has one digit count: one layout and
 * block count for all lanes. The message tail lives in linear memory transposed (word t of every lane is one
 * v128 holding big-endian words as native i32), so a lane's ASCII digits change in place with byte stores.
 * Reuse: the name's whole 64-byte blocks are compressed once (midstate); a tail block before the first changed
 * byte keeps its output; in the block with the last digit, rounds before that digit's word resume from a
 * snapshot, the digit's own round is three additions, and the schedule words that do not depend on it are kept
 * (schedule-plan.ts); a second tail block without digits keeps its whole schedule.
 */
import { IV, KV, V, add, bigSigma0, bigSigma1, choose, compressScalar, expandAll, initRoundConstants, majority, rounds } from './sha256-lanes'
import { roundsExpanding } from './rounds-expanding'
import { roundsExpandingPair } from './rounds-expanding-pair'
import { expandPlanned, planSchedule } from './schedule-plan'
import { bestHi, offer, resetBest } from './best-candidate'

export { offer, resetBest, resultFound, resultHash, resultNonce } from './best-candidate'

/** 10^0 .. 10^19: the first nonce of each digit count. */
const POW10: usize = memory.data<u64>([
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
  1000000000000, 10000000000000, 100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
  1000000000000000000, 10000000000000000000,
])

/** Per tail block (2): schedule W (words 0..15 are the message, transposed), then KW = K + W. */
const SCHED: usize = memory.data(2 * 64 * 16, 16)
const KWS: usize = memory.data(2 * 64 * 16, 16)
/** Chaining values entering tail block 0, 1 and the digest after the last tail block: 3 x 8 v128. */
const CHAIN: usize = memory.data(3 * 8 * 16, 16)
/** Working variables before round s (the last digit's word) of the last digit's block, and after it. */
const SNAP: usize = memory.data(8 * 16, 16)
const NEXT: usize = memory.data(8 * 16, 16)
/** Round s's constant parts: P = h + Sigma1(e) + Ch(e, f, g) + K[s], Q = Sigma0(a) + Maj(a, b, c). */
const ROUND_S: usize = memory.data(2 * 16, 16)
/** Working variables after the last round of a block. */
const WORK: usize = memory.data(8 * 16, 16)
/** The second state of hashPair (the next last digit): its schedule of the last digit's block, variables, H0 and H1. */
const SCHED2: usize = memory.data(64 * 16, 16)
const KWS2: usize = memory.data(64 * 16, 16)
const NEXT2: usize = memory.data(8 * 16, 16)
const WORK2: usize = memory.data(8 * 16, 16)
const DIGEST2: usize = memory.data(2 * 16, 16)
/** Scalar state and schedule for the name's midstate. */
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

// The current segment's layout and what is still valid from the previous hash.
let lastPos: i32 = 0
let tailBlocks: i32 = 1
let snapBlock: i32 = 0
let snapRound: i32 = 0
let snapValid: bool = false
/** Lowest tail byte changed in any lane since the last hash. */
let dirtyFrom: i32 = 0

/** Address of tail byte p of a lane (the byte sits in a native i32 holding a big-endian word). */
// @ts-ignore: decorator
@inline function byteAt(p: i32, lane: i32): usize {
  return SCHED + <usize>(((p >> 6) << 10) + (((p & 63) >> 2) << 4) + (lane << 2) + (3 - (p & 3)))
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
  initRoundConstants()
  store<u8>(__heap_base + <usize>length, 0x20)
  prefixLength = length + 1
  memory.copy(MID, IV, 32)
  const wholeBlocks = prefixLength >> 6
  for (let i = 0; i < wholeBlocks; i++) compressScalar(MID, __heap_base + <usize>(i << 6), MSCHED)
  for (let i: usize = 0; i < 8; i++) v128.store(CHAIN + i * V, i32x4.splat(load<i32>(MID + i * 4)))
  remainderStart = __heap_base + <usize>(wholeBlocks << 6)
  remainderLength = prefixLength - (wholeBlocks << 6)
}

/** Writes q's decimal digits into a lane just before the last digit, which becomes '0'. */
function writeDecade(lane: i32, q: u64): void {
  store<u8>(byteAt(lastPos, lane), ZERO)
  for (let p = lastPos - 1; p >= remainderLength; p--) {
    store<u8>(byteAt(p, lane), ZERO + <u8>(q % 10))
    q /= 10
  }
}

/** Lays out the tail of all four lanes for decades qFirst + lane (a lane past qLast repeats qFirst). */
function layout(digitCount: i32, qFirst: u64, qLast: u64): void {
  memory.fill(SCHED, 0, 16 * V)
  memory.fill(SCHED + 64 * V, 0, 16 * V)
  const r = remainderLength
  for (let p = 0; p < r; p++) {
    const byte = load<u8>(remainderStart + <usize>p)
    for (let lane = 0; lane < 4; lane++) store<u8>(byteAt(p, lane), byte)
  }
  lastPos = r + digitCount - 1
  for (let lane = 0; lane < 4; lane++) writeDecade(lane, qFirst + <u64>lane <= qLast ? qFirst + <u64>lane : qFirst)
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
  if (tailBlocks == 2 && snapBlock == 0) expandAll(SCHED + 64 * V, KWS + 64 * V)
}

/** Adds step to the decade of a lane in place; the caller keeps it within the segment's digit count. */
function advanceDecade(lane: i32, step: u8): void {
  let p = lastPos - 1
  let c = load<u8>(byteAt(p, lane)) + step
  while (c > NINE) {
    store<u8>(byteAt(p, lane), c - 10)
    p--
    c = load<u8>(byteAt(p, lane)) + 1
  }
  store<u8>(byteAt(p, lane), c)
  if (p < dirtyFrom) dirtyFrom = p
}

/** From the snapshot before round s: round s's constant parts and the variables after it that it keeps. */
function prepareDigitRound(): void {
  const a = v128.load(SNAP, 0), b = v128.load(SNAP, 16), c = v128.load(SNAP, 32)
  const e = v128.load(SNAP, 64), f = v128.load(SNAP, 80), g = v128.load(SNAP, 96), h = v128.load(SNAP, 112)
  const k = v128.load(KV + <usize>snapRound * V)
  v128.store(ROUND_S, add(add(h, bigSigma1(e)), add(choose(e, f, g), k)))
  v128.store(ROUND_S + V, add(bigSigma0(a), majority(b, v128.xor(a, b), v128.xor(b, c))))
  for (let next = NEXT; ; next = NEXT2) {
    v128.store(next, b, 32); v128.store(next, c, 48)
    v128.store(next, a, 16); v128.store(next, e, 80); v128.store(next, f, 96); v128.store(next, g, 112)
    if (next == NEXT2) break
  }
}

/** Round s with word s = ws into next (NEXT or NEXT2): T1 = P + W[s]; a = T1 + Q; e = d + T1. */
function digitRound(ws: v128, next: usize): void {
  const t1 = add(v128.load(ROUND_S), ws)
  v128.store(next, add(t1, v128.load(ROUND_S + V)), 0)
  v128.store(next, add(v128.load(SNAP, 48), t1), 64)
}

/** Block blk (not the last digit's) from its chaining value: the schedule too if it comes before the digit's. */
function hashBlock(blk: i32): void {
  const w = SCHED + <usize>blk * 64 * V
  const kw = KWS + <usize>blk * 64 * V
  const chainIn = CHAIN + <usize>blk * 8 * V
  if (blk < snapBlock) expandAll(w, kw) // block 0 before a last digit in block 1
  rounds(chainIn, kw, 0, 64, WORK)
  chainOut(blk, WORK, chainIn + 8 * V)
}

/** The chaining value after block blk from its working variables: H0 and H1 only after the last block. */
function chainOut(blk: i32, work: usize, out: usize): void {
  const chainIn = CHAIN + <usize>blk * 8 * V
  const words: usize = blk == tailBlocks - 1 ? 2 : 8 // the digest needs H0 and H1 only
  for (let i: usize = 0; i < words; i++) v128.store(out + i * V, add(v128.load(chainIn + i * V), v128.load(work + i * V)))
}

/** Brings the last digit's block up to date for a new word s: a new snapshot and plan if anything before s changed. */
function planDigitBlock(from: i32): void {
  if (snapValid && from >= snapBlock * 64 + snapRound * 4) return
  const w = SCHED + <usize>snapBlock * 64 * V
  const kw = KWS + <usize>snapBlock * 64 * V
  planSchedule(w, kw, snapRound)
  rounds(CHAIN + <usize>snapBlock * 8 * V, kw, 0, snapRound, SNAP)
  prepareDigitRound()
  snapValid = true
  // The second state shares every word but s (hashPair sets it), varying words included until recomputed.
  memory.copy(SCHED2, w, 64 * V)
  memory.copy(KWS2, kw, 64 * V)
}

/**
 * hashLanes for the current last digits and the next ones (word s + step) at once, into the digest and DIGEST2;
 * for a last digit in the last block. Two independent round chains keep the CPU busier than one.
 */
function hashPair(step: v128): void {
  const from = dirtyFrom
  dirtyFrom = CLEAN
  for (let blk = from >> 6; blk < snapBlock; blk++) hashBlock(blk)
  planDigitBlock(from)
  const w = SCHED + <usize>snapBlock * 64 * V
  const kw = KWS + <usize>snapBlock * 64 * V
  const ws = v128.load(w + <usize>snapRound * V)
  const ws2 = add(ws, step)
  v128.store(SCHED2 + <usize>snapRound * V, ws2)
  const planned: usize = snapRound < 8 ? 24 : 32 // roundsExpandingPair computes the rest
  expandPlanned(w, kw, planned)
  expandPlanned(SCHED2, KWS2, planned)
  digitRound(ws, NEXT)
  digitRound(ws2, NEXT2)
  roundsExpandingPair(NEXT, NEXT2, w, kw, SCHED2, KWS2, snapRound + 1, WORK, WORK2)
  const chainIn = CHAIN + <usize>snapBlock * 8 * V
  chainOut(snapBlock, WORK, chainIn + 8 * V)
  chainOut(snapBlock, WORK2, DIGEST2)
}

/** Hashes the four lanes into the digest, recomputing only what changed since the last hash. */
function hashLanes(): void {
  const from = dirtyFrom
  dirtyFrom = CLEAN
  for (let blk = from >> 6; blk < tailBlocks; blk++) {
    if (blk != snapBlock) {
      hashBlock(blk)
      continue
    }
    const w = SCHED + <usize>blk * 64 * V
    const kw = KWS + <usize>blk * 64 * V
    const planned = snapValid && from >= blk * 64 + snapRound * 4
    planDigitBlock(from)
    if (planned) expandPlanned(w, kw, snapRound < 8 ? 24 : 32) // roundsExpanding computes the rest
    digitRound(v128.load(w + <usize>snapRound * V), NEXT)
    roundsExpanding(NEXT, w, kw, snapRound + 1, WORK)
    chainOut(blk, WORK, CHAIN + <usize>blk * 8 * V + 8 * V)
  }
}

/** Offers the lanes in mask with last digit d from a digest (H0 row, then H1 row). */
function offerLanes(digest: usize, mask: i32, q0: u64, d: i32): void {
  // Cheap filter: only a lane whose top word is <= the best's can win (always true before the first).
  if (!v128.any_true(i32x4.le_u(v128.load(digest), i32x4.splat(<i32>bestHi)))) return
  for (let lane = 0; lane < 4; lane++) {
    if ((mask & (1 << lane)) == 0) continue
    const at = digest + <usize>(lane << 2)
    offer(load<u32>(at), load<u32>(at + V), (q0 + <u64>lane) * 10 + <u64>d)
  }
}

/** Lanes (bit i = lane i) whose nonce 10 * (q0 + i) + d lies in [first, last], q = nonce / 10 throughout. */
function activeLanes(q0: u64, d: u64, qFirst: u64, dFirst: u64, qLast: u64, dLast: u64): i32 {
  let mask = 0
  for (let lane = 0; lane < 4; lane++) {
    const q = q0 + <u64>lane
    if (q > qLast || (q == qFirst && d < dFirst) || (q == qLast && d > dLast)) continue
    mask |= 1 << lane
  }
  return mask
}

/** Argmin over [first, last], all with digitCount digits. */
function scanSegment(digitCount: i32, first: u64, last: u64): void {
  const qFirst = first / 10, dFirst = first % 10
  const qLast = last / 10, dLast = last % 10
  layout(digitCount, qFirst, qLast)
  const digest = CHAIN + <usize>tailBlocks * 8 * V
  const lastWord = SCHED + <usize>snapBlock * 64 * V + <usize>snapRound * V
  const shift = (3 - (lastPos & 3)) << 3
  // Last digits in pairs (d, d + 1) when the digit's block is the last; else one at a time.
  const pairs = snapBlock == tailBlocks - 1
  const step = i32x4.splat(1 << shift)
  let q0 = qFirst
  while (true) {
    const decades = v128.load(lastWord) // every lane's last digit is '0' here
    // No u64 overflow: q <= (2^64 - 1) / 10, so q + 4 fits.
    const interior = (q0 > qFirst || dFirst == 0) && (q0 + 3 < qLast || (q0 + 3 == qLast && dLast == 9))
    for (let d = 0; d < 10; d += pairs ? 2 : 1) {
      const mask = interior ? 15 : activeLanes(q0, <u64>d, qFirst, dFirst, qLast, dLast)
      const mask2 = !pairs ? 0 : interior ? 15 : activeLanes(q0, <u64>(d + 1), qFirst, dFirst, qLast, dLast)
      if ((mask | mask2) == 0) continue
      v128.store(lastWord, add(decades, i32x4.splat(d << shift)))
      if (dirtyFrom > lastPos) dirtyFrom = lastPos
      if (pairs) {
        hashPair(step)
        offerLanes(DIGEST2, mask2, q0, d + 1)
      } else {
        hashLanes()
      }
      offerLanes(digest, mask, q0, d)
    }
    v128.store(lastWord, decades)
    if (q0 + 4 > qLast) break
    q0 += 4
    for (let lane = 0; lane < 4; lane++) if (q0 + <u64>lane <= qLast) advanceDecade(lane, 4)
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
