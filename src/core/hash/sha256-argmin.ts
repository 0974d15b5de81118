/*
 * Pure-TypeScript SHA-256 argmin kernel: argmin over x in [low, high) of H(name, x), the first 8 bytes
 * (big-endian) of SHA-256(utf8(`${name} ${x}`)). No node:crypto here so it can move to a worker / WASM.
 *
 * Measured (Node 20.20, 2-vCPU AMD EPYC VM, noisy: runs vary about +-20%), "token-name" over [0, 2_000_000):
 * this kernel ~2.5-2.8M hashes/s, one thread; node:crypto with createHash per nonce ~0.45-0.6M hashes/s.
 * A message whose length mod 64 is 56..63 (e.g. a 50-byte name, 7-digit nonces) needs two compressions per
 * nonce (~1.3M/s); a long name costs its whole blocks once per call, not per nonce.
 *
 * Why it is fast: the hot loop allocates nothing. The nonce lives as ASCII digits inside the message words and
 * is incremented in place; the compression of the name's whole 64-byte blocks is done once per name (midstate);
 * tail blocks before the first changed byte are reused; and inside the block holding the last digit, the
 * rounds before that digit's word are reused from a snapshot (they only see unchanged words).
 */
import { InvalidArgumentError } from '../errors.js'
import { type Argmin, betterArgmin } from '../token/argmin.js'

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
])

const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
])

const UINT64_LIMIT = 1n << 64n
/** Longest decimal uint64 ("18446744073709551615"). */
const MAX_DIGITS = 20
const ZERO_CHAR = 0x30
/** dirtyFrom past both tail blocks: nothing changed since the last hash. */
const CLEAN = 128
const utf8 = new TextEncoder()

/** Fills w[16..63] from w[0..15]. */
function expandSchedule(w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]
    const y = w[t - 2]
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0
  }
}

/** Runs rounds [from, to) on the working variables v[0..7] (a..h) in place. */
function runRounds(v: Int32Array, w: Int32Array, from: number, to: number): void {
  let a = v[0],
    b = v[1],
    c = v[2],
    d = v[3],
    e = v[4],
    f = v[5],
    g = v[6],
    h = v[7]
  for (let t = from; t < to; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  v[0] = a
  v[1] = b
  v[2] = c
  v[3] = d
  v[4] = e
  v[5] = f
  v[6] = g
  v[7] = h
}

/** state[at..at+8) += v[0..8) (the Davies-Meyer feed-forward), written to out[outAt..outAt+8). */
function feedForward(state: Int32Array, at: number, v: Int32Array, out: Int32Array, outAt: number): void {
  for (let i = 0; i < 8; i++) out[outAt + i] = (state[at + i] + v[i]) | 0
}

/** Loads 16 big-endian words from bytes[at..at+64) into w[0..15]. */
function loadBlock(bytes: Uint8Array, at: number, w: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const j = at + 4 * i
    w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3]
  }
}

/** Compresses whole 64-byte blocks of bytes[0..blocks*64) into state (8 words) in place. */
function compressBytes(state: Int32Array, bytes: Uint8Array, blocks: number, w: Int32Array, v: Int32Array): void {
  for (let blk = 0; blk < blocks; blk++) {
    loadBlock(bytes, blk * 64, w)
    expandSchedule(w)
    v.set(state)
    runRounds(v, w, 0, 64)
    feedForward(state, 0, v, state, 0)
  }
}

/** Plain SHA-256 digest (allocates; for verification, not the hot loop). */
export function sha256(bytes: Uint8Array): Uint8Array {
  const blocks = Math.floor((bytes.length + 9 + 63) / 64)
  const padded = new Uint8Array(blocks * 64)
  padded.set(bytes)
  padded[bytes.length] = 0x80
  const bitLength = bytes.length * 8
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32))
  view.setUint32(padded.length - 4, bitLength >>> 0)
  const state = Int32Array.from(IV)
  compressBytes(state, padded, blocks, new Int32Array(64), new Int32Array(8))
  const digest = new Uint8Array(32)
  const out = new DataView(digest.buffer)
  for (let i = 0; i < 8; i++) out.setInt32(4 * i, state[i])
  return digest
}

/** H(name, nonce): the first 8 bytes of SHA-256(`${name} ${nonce}`), big-endian. */
export function hashNonce(name: string, nonce: bigint): bigint {
  const digest = sha256(utf8.encode(`${name} ${nonce}`))
  return new DataView(digest.buffer).getBigUint64(0)
}

/** Does hash (hi, lo) strictly beat (bestHi, bestLo)? Strict, so on a tie the earlier (smaller) nonce stays. */
export function beatsHash(hi: number, lo: number, bestHi: number, bestLo: number): boolean {
  return hi < bestHi || (hi === bestHi && lo < bestLo)
}

/**
 * Reusable scanner: holds every buffer the hot loop needs. One instance hashes one range at a time
 * (synchronously), so a module-level instance is shared.
 */
export class Sha256Argmin {
  /** The message tail after the name's whole blocks: up to two blocks as big-endian words. */
  private readonly tail = new Int32Array(32)
  /** Chaining values entering tail block 0, 1, and the final digest (8 words each). */
  private readonly chain = new Int32Array(24)
  private readonly schedule = new Int32Array(64)
  private readonly work = new Int32Array(8)
  /** Working variables before round snapRound of block snapBlock, valid while the bytes before it hold. */
  private readonly snapshot = new Int32Array(8)
  /** Decimal digits (0..9) of the current nonce, most significant first. */
  private readonly digits = new Uint8Array(MAX_DIGITS + 1)
  private readonly bestDigits = new Uint8Array(MAX_DIGITS + 1)

  private name: string | undefined
  /** Bytes of `name + " "` left over after its whole blocks (they start the tail). */
  private remainder = new Uint8Array(0)
  private prefixLength = 0
  private digitCount = 0
  private tailBlocks = 1
  private snapBlock = 0
  private snapRound = 0
  private snapValid = false
  /** Lowest tail byte changed since the last hash: blocks and rounds before it are reused. */
  private dirtyFrom = 0

  /** @param chunkLength nonces per inner loop; kept within safe integers (smaller only for tests). */
  constructor(private readonly chunkLength: number = 2 ** 52) {
    if (!Number.isSafeInteger(chunkLength) || chunkLength < 1) throw new RangeError(`bad chunkLength ${chunkLength}`)
  }

  argminRange(name: string, low: bigint, high: bigint): Argmin | undefined {
    if (low < 0n || low > UINT64_LIMIT || high < 0n || high > UINT64_LIMIT) {
      throw new InvalidArgumentError(`range [${low}, ${high}) must lie within [0, 2^64]`)
    }
    let best: Argmin | undefined
    const chunk = BigInt(this.chunkLength)
    for (let start = low; start < high; start += chunk) {
      const end = high - start < chunk ? high : start + chunk
      best = betterArgmin(best, this.scan(name, start, Number(end - start)))
    }
    return best
  }

  /** Argmin over [start, start + count), count >= 1. */
  private scan(name: string, start: bigint, count: number): Argmin {
    this.setName(name)
    this.setNonce(start)
    let bestHi = 2 ** 32,
      bestLo = 0,
      bestCount = 0
    const out = 16 // chain offset of the digest
    for (let i = 0; ; ) {
      this.hashTail()
      const hi = this.chain[out] >>> 0
      const lo = this.chain[out + 1] >>> 0
      if (beatsHash(hi, lo, bestHi, bestLo)) {
        bestHi = hi
        bestLo = lo
        bestCount = this.digitCount
        this.bestDigits.set(this.digits)
      }
      if (++i === count) break
      this.increment()
    }
    let nonce = ''
    for (let i = 0; i < bestCount; i++) nonce += String.fromCharCode(ZERO_CHAR + this.bestDigits[i])
    return { nonce: BigInt(nonce), hash: (BigInt(bestHi) << 32n) | BigInt(bestLo) }
  }

  /** Compresses the name's whole blocks once (cached across calls with the same name). */
  private setName(name: string): void {
    if (name === this.name) return
    const prefix = utf8.encode(`${name} `)
    const wholeBlocks = Math.floor(prefix.length / 64)
    this.chain.set(IV, 0)
    const midstate = this.chain.subarray(0, 8)
    compressBytes(midstate, prefix, wholeBlocks, this.schedule, this.work)
    this.remainder = prefix.slice(wholeBlocks * 64)
    this.prefixLength = prefix.length
    this.name = name
  }

  /** Lays out the tail for a nonce: remainder, digits, 0x80, zeros, bit length. */
  private setNonce(nonce: bigint): void {
    const text = nonce.toString()
    for (let i = 0; i < text.length; i++) this.digits[i] = text.charCodeAt(i) - ZERO_CHAR
    this.layout(text.length)
  }

  private layout(digitCount: number): void {
    const r = this.remainder.length
    this.digitCount = digitCount
    this.tail.fill(0)
    for (let i = 0; i < r; i++) this.setByte(i, this.remainder[i])
    for (let i = 0; i < digitCount; i++) this.setByte(r + i, ZERO_CHAR + this.digits[i])
    const end = r + digitCount
    this.setByte(end, 0x80)
    this.tailBlocks = end + 9 <= 64 ? 1 : 2
    const bits = (this.prefixLength + digitCount) * 8
    const last = this.tailBlocks * 16 - 1
    this.tail[last - 1] = Math.floor(bits / 2 ** 32)
    this.tail[last] = bits | 0
    const lastDigit = end - 1
    this.snapBlock = lastDigit >> 6
    this.snapRound = (lastDigit & 63) >> 2
    this.snapValid = false
    this.dirtyFrom = 0
  }

  private setByte(at: number, value: number): void {
    const i = at >> 2
    const shift = 24 - ((at & 3) << 3)
    this.tail[i] = (this.tail[i] & ~(0xff << shift)) | (value << shift)
  }

  /** nonce += 1 in the digit buffer and the message words; grows the digit count on 99..9 -> 100..0. */
  private increment(): void {
    const r = this.remainder.length
    let pos = this.digitCount - 1
    while (pos >= 0 && this.digits[pos] === 9) {
      this.digits[pos] = 0
      this.setByte(r + pos, ZERO_CHAR)
      pos--
    }
    if (pos < 0) {
      this.digits[0] = 1
      this.digits.fill(0, 1, this.digitCount + 1)
      this.layout(this.digitCount + 1)
      return
    }
    this.digits[pos]++
    this.setByte(r + pos, ZERO_CHAR + this.digits[pos])
    this.dirtyFrom = Math.min(this.dirtyFrom, r + pos)
  }

  /** Hashes the current tail into chain[16..24), recomputing only what changed since the last hash. */
  private hashTail(): void {
    const { schedule: w, work: v, tail, chain, snapshot, snapBlock, snapRound, tailBlocks } = this
    const from = this.dirtyFrom
    const resumable = this.snapValid && from >= snapBlock * 64 + snapRound * 4
    for (let blk = from >> 6; blk < tailBlocks; blk++) {
      // Plain loops: subarray() would allocate a view per hash, and TypedArray.set costs a builtin call.
      for (let i = 0; i < 16; i++) w[i] = tail[blk * 16 + i]
      expandSchedule(w)
      if (blk === snapBlock && resumable) {
        for (let i = 0; i < 8; i++) v[i] = snapshot[i]
        runRounds(v, w, snapRound, 64)
      } else {
        for (let i = 0; i < 8; i++) v[i] = chain[blk * 8 + i]
        if (blk === snapBlock) {
          runRounds(v, w, 0, snapRound)
          for (let i = 0; i < 8; i++) snapshot[i] = v[i]
          this.snapValid = true
          runRounds(v, w, snapRound, 64)
        } else {
          runRounds(v, w, 0, 64)
        }
      }
      // The last tail block writes the digest to chain[16..24); an earlier one feeds the next block.
      const outAt = blk === tailBlocks - 1 ? 16 : (blk + 1) * 8
      feedForward(chain, blk * 8, v, chain, outAt)
    }
    this.dirtyFrom = CLEAN
  }
}

const shared = new Sha256Argmin()

/** The x in [low, high) with the smallest H(name, x), ties to the smaller x; undefined for an empty range. */
export function argminRange(name: string, low: bigint, high: bigint): Argmin | undefined {
  return shared.argminRange(name, low, high)
}
