/**
 * A binary min-heap of (deadline, key). Entries are never removed early: a stale entry only causes one spurious
 * expiry check, which is cheaper than tracking removals. Bounded by the operations admitted within one deadline.
 */
export class DeadlineHeap<K> {
  private readonly times: number[] = []
  private readonly keys: K[] = []

  get size(): number {
    return this.times.length
  }

  push(timeMs: number, key: K): void {
    let i = this.times.length
    this.times.push(timeMs)
    this.keys.push(key)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.times[parent]! <= timeMs) break
      this.swap(i, parent)
      i = parent
    }
  }

  peekMs(): number | undefined {
    return this.times[0]
  }

  /** Removes and returns every key whose time is <= nowMs. */
  popDue(nowMs: number): K[] {
    const due: K[] = []
    while (this.times.length > 0 && this.times[0]! <= nowMs) due.push(this.pop())
    return due
  }

  private pop(): K {
    const top = this.keys[0]!
    const lastTime = this.times.pop()!
    const lastKey = this.keys.pop()!
    if (this.times.length > 0) {
      this.times[0] = lastTime
      this.keys[0] = lastKey
      this.siftDown(0)
    }
    return top
  }

  private siftDown(i: number): void {
    const n = this.times.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.times[l]! < this.times[m]!) m = l
      if (r < n && this.times[r]! < this.times[m]!) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }

  private swap(a: number, b: number): void {
    const t = this.times[a]!
    this.times[a] = this.times[b]!
    this.times[b] = t
    const k = this.keys[a]!
    this.keys[a] = this.keys[b]!
    this.keys[b] = k
  }
}
