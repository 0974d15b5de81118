/**
 * The set of linearized operations as a bitset with an incremental Zobrist hash. Definite operations (indices
 * < definiteCount) fill words [0, definiteWords); unknown-outcome operations fill the words after. For a compact
 * canonical key the set tracks `first`, the first definite word not full, and `last`, the last non-zero definite
 * word: the search linearizes roughly in time order, so the words before `first` are all ones.
 * The hash covers the definite bits only (the cache compares unknown bits by inclusion, not equality).
 */
export class LinearizedSet {
  readonly words: Uint32Array
  readonly definiteWords: number
  hash = 0
  first = 0
  last = -1
  private readonly wordOf: Int32Array
  private readonly maskOf: Uint32Array
  private readonly zobrist: Int32Array
  /** The full value of the last definite word, which may be partial. */
  private readonly lastWordFull: number

  constructor(
    readonly definiteCount: number,
    unknownCount: number,
  ) {
    this.definiteWords = Math.ceil(definiteCount / 32)
    this.words = new Uint32Array(this.definiteWords + Math.ceil(unknownCount / 32))
    const n = definiteCount + unknownCount
    this.wordOf = new Int32Array(n)
    this.maskOf = new Uint32Array(n)
    this.zobrist = new Int32Array(n)
    let seed = 0x2545f491
    for (let op = 0; op < n; op++) {
      const bit = op < definiteCount ? op : this.definiteWords * 32 + op - definiteCount
      this.wordOf[op] = bit >>> 5
      this.maskOf[op] = (1 << (bit & 31)) >>> 0
      seed = xorshift(seed)
      if (op < definiteCount) this.zobrist[op] = seed
    }
    const tailBits = definiteCount % 32
    this.lastWordFull = tailBits === 0 ? 0xffffffff : 2 ** tailBits - 1
  }

  add(op: number): void {
    const w = this.wordOf[op]
    this.words[w] |= this.maskOf[op]
    if (w >= this.definiteWords) return
    this.hash ^= this.zobrist[op]
    if (w > this.last) this.last = w
    while (this.first < this.definiteWords && this.words[this.first] === this.fullValue(this.first)) this.first++
  }

  remove(op: number): void {
    const w = this.wordOf[op]
    this.words[w] &= ~this.maskOf[op]
    if (w >= this.definiteWords) return
    this.hash ^= this.zobrist[op]
    if (w < this.first) this.first = w
    while (this.last >= 0 && this.words[this.last] === 0) this.last--
  }

  private fullValue(w: number): number {
    return w === this.definiteWords - 1 ? this.lastWordFull : 0xffffffff
  }
}

function xorshift(x: number): number {
  x ^= x << 13
  x ^= x >>> 17
  x ^= x << 5
  return x | 0
}
