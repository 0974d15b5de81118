import { callNode, returnNode } from './compiled-history.js'

/**
 * The doubly linked list of call / return events of Wing & Gong's search, over typed arrays (node 0 is the head,
 * -1 the end). Linearizing an operation lifts its call and return out of the list; backtracking puts them back.
 */
export class EventList {
  readonly next: Int32Array
  private readonly prev: Int32Array

  constructor(events: Int32Array) {
    this.next = new Int32Array(events.length + 1)
    this.prev = new Int32Array(events.length + 1)
    let previous = 0
    for (const node of events) {
      this.next[previous] = node
      this.prev[node] = previous
      previous = node
    }
    this.next[previous] = -1
  }

  lift(op: number): void {
    this.unlink(callNode(op))
    this.unlink(returnNode(op))
  }

  /** Undoes `lift(op)`; must be called in the reverse order of the lifts. */
  unlift(op: number): void {
    this.relink(returnNode(op))
    this.relink(callNode(op))
  }

  private unlink(node: number): void {
    const after = this.next[node]!
    this.next[this.prev[node]!] = after
    if (after !== -1) this.prev[after] = this.prev[node]!
  }

  private relink(node: number): void {
    const after = this.next[node]!
    this.next[this.prev[node]!] = node
    if (after !== -1) this.prev[after] = node
  }
}
