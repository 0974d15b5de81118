import type { LinearizedSet } from './linearized-set.js'

const INITIAL_BUCKETS = 1 << 12

/**
 * Lowe's memo of visited configurations (linearized set, model state), generalised to dominance: a configuration
 * is covered by a visited one with the same state, the same definite operations and a subset of its unknown-outcome
 * operations. Unknown-outcome ops are optional and never constrain real-time order, so every completion of the
 * former is one of the latter, and the former need not be explored. Entries live in typed arrays; each stores only the set's window of words [first, last] (the words
 * before are all ones, after all zeros) plus the unknown words, so memory stays near the concurrency, not n.
 */
export class LinearizationCache {
  private buckets: Int32Array = new Int32Array(INITIAL_BUCKETS).fill(-1)
  private chain: Int32Array = new Int32Array(INITIAL_BUCKETS)
  private hashes: Int32Array = new Int32Array(INITIAL_BUCKETS)
  private states: Int32Array = new Int32Array(INITIAL_BUCKETS)
  private firsts: Int32Array = new Int32Array(INITIAL_BUCKETS)
  private lengths: Int32Array = new Int32Array(INITIAL_BUCKETS)
  private offsets: Int32Array = new Int32Array(INITIAL_BUCKETS)
  private arena: Uint32Array = new Uint32Array(INITIAL_BUCKETS * 4)
  private arenaUsed = 0
  private count = 0

  constructor(private readonly set: LinearizedSet) {}

  /** True when the current set with `state` is covered by a visited configuration; otherwise records it. */
  visit(state: number): boolean {
    const hash = mix(this.set.hash ^ Math.imul(state + 1, 0x9e3779b1))
    for (let e = this.buckets[hash & (this.buckets.length - 1)]!; e !== -1; e = this.chain[e]!) {
      if (this.hashes[e] === hash && this.states[e] === state && this.covers(e)) return true
    }
    this.insert(hash, state)
    return false
  }

  private covers(e: number): boolean {
    const { words, first, last, definiteWords } = this.set
    const length = last - first + 1
    if (this.firsts[e] !== first || this.lengths[e] !== length) return false
    const arena = this.arena
    let at = this.offsets[e]!
    for (let w = first; w <= last; w++, at++) if (arena[at] !== words[w]) return false
    for (let w = definiteWords; w < words.length; w++, at++) if ((arena[at]! & ~words[w]!) !== 0) return false
    return true
  }

  private insert(hash: number, state: number): void {
    const { words, first, last, definiteWords } = this.set
    const length = Math.max(0, last - first + 1)
    if (this.count === this.chain.length) this.grow()
    this.reserve(length + words.length - definiteWords)
    const e = this.count++
    this.hashes[e] = hash
    this.states[e] = state
    this.firsts[e] = first
    this.lengths[e] = length
    this.offsets[e] = this.arenaUsed
    this.arena.set(words.subarray(first, first + length), this.arenaUsed)
    this.arena.set(words.subarray(definiteWords), this.arenaUsed + length)
    this.arenaUsed += length + words.length - definiteWords
    const bucket = hash & (this.buckets.length - 1)
    this.chain[e] = this.buckets[bucket]!
    this.buckets[bucket] = e
  }

  private reserve(wordCount: number): void {
    if (this.arenaUsed + wordCount <= this.arena.length) return
    const arena = new Uint32Array(Math.max(this.arena.length * 2, this.arenaUsed + wordCount))
    arena.set(this.arena.subarray(0, this.arenaUsed))
    this.arena = arena
  }

  /** Doubles the entry arrays and the bucket table (load factor <= 1), rehashing from the stored hashes. */
  private grow(): void {
    const capacity = this.chain.length * 2
    this.hashes = resized(this.hashes, capacity)
    this.states = resized(this.states, capacity)
    this.firsts = resized(this.firsts, capacity)
    this.lengths = resized(this.lengths, capacity)
    this.offsets = resized(this.offsets, capacity)
    this.chain = new Int32Array(capacity)
    this.buckets = new Int32Array(capacity).fill(-1)
    for (let e = 0; e < this.count; e++) {
      const bucket = this.hashes[e]! & (capacity - 1)
      this.chain[e] = this.buckets[bucket]!
      this.buckets[bucket] = e
    }
  }
}

function resized(array: Int32Array, capacity: number): Int32Array {
  const copy = new Int32Array(capacity)
  copy.set(array)
  return copy
}

/** Murmur3's finaliser: spreads the Zobrist bits into the low bits used for buckets. */
function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}
