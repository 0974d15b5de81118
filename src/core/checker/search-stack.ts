/** The backtracking stack: each frame is the op linearized, the state before it, and whether it was forced. */
export class SearchStack {
  readonly ops: Int32Array
  depth = 0
  poppedState = 0
  poppedForced = false
  private readonly states: Int32Array
  private readonly forced: Uint8Array

  constructor(n: number) {
    this.ops = new Int32Array(n)
    this.states = new Int32Array(n)
    this.forced = new Uint8Array(n)
  }

  push(op: number, state: number, forced: boolean): void {
    this.ops[this.depth] = op
    this.states[this.depth] = state
    this.forced[this.depth++] = forced ? 1 : 0
  }

  /** Pops the top frame, returning its op; its state and forced flag land in `poppedState` / `poppedForced`. */
  pop(): number {
    const depth = --this.depth
    this.poppedState = this.states[depth]!
    this.poppedForced = this.forced[depth] === 1
    return this.ops[depth]!
  }
}

/**
 * The deepest stack seen at a dead end, for the counterexample. Kept incrementally: `valid` counts the leading
 * entries still equal to the live stack, so each record copies only what changed since (amortised O(1) a step).
 */
export class LongestPrefix {
  blocked = -1
  private readonly ops: Int32Array
  private length = -1
  private valid = 0

  constructor(n: number) {
    this.ops = new Int32Array(n)
  }

  /** A dead end at the return of `blocked`, with the stack's first `depth` ops linearized. */
  record(stack: SearchStack, blocked: number): void {
    if (stack.depth <= this.length) return
    this.ops.set(stack.ops.subarray(this.valid, stack.depth), this.valid)
    this.length = stack.depth
    this.valid = stack.depth
    this.blocked = blocked
  }

  /** The live stack shrank to `depth`. */
  truncate(depth: number): void {
    if (depth < this.valid) this.valid = depth
  }

  prefix(): number[] {
    return Array.from(this.ops.subarray(0, this.length))
  }
}
