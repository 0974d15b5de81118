import type { CompiledHistory } from './compiled-history.js'
import { callNode } from './compiled-history.js'
import { EventList } from './event-list.js'
import { OUTCOME_OK, READ, stepInterned, WRITE } from './interned-register.js'
import { LinearizationCache } from './linearization-cache.js'
import { LinearizedSet } from './linearized-set.js'
import { LongestPrefix, SearchStack } from './search-stack.js'

export type SearchResult =
  /** `order`: op indices in the linearization found (only the ops it needed: unknown ones may be left out). */
  | { readonly kind: 'linearizable'; readonly order: readonly number[] }
  /** `prefix`: op indices of the longest linearizable prefix found; `blocked`: the op whose return stopped it. */
  | { readonly kind: 'violation'; readonly prefix: readonly number[]; readonly blocked: number }
  | { readonly kind: 'timeout' }

/** Steps between clock reads: a read costs far more than a step. */
const CLOCK_CHECK_MASK = 0xfff

/** Phases of the scan at a configuration: look for a forced move, else branch on definite ops, then unknown ones. */
const FORCED = 0
const DEFINITE = 1
const UNKNOWN = 2

/**
 * Wing & Gong's search with Lowe's memoization, as in Knossos / Porcupine, iterative with an explicit stack.
 * Scanning the event list from the head, a call whose result the model accepts is linearized (lifted) unless the
 * resulting configuration was already covered; reaching a return means that operation could not be placed before
 * it returned, so the search backtracks. Unknown-outcome ops return at +infinity, so they never block and never
 * need linearizing: the history is linearizable once every definite op is linearized.
 *
 * Reductions, each keeping some shortest completion reachable (so the search stays exact):
 * - a definite candidate that is legal and leaves the state unchanged in any state where it is legal (a read of
 *   the current state, a refused create / drop / write; see `findForced`) can move to the front of any completion:
 *   it is linearized without branching ("forced"), and backtracking through it abandons its parent too;
 * - unknown-outcome ops are tried after the definite ones, so that the configurations without them come first and
 *   then cover (by the cache's dominance) most of those with them; an unknown write is only tried when a read of
 *   its value is a candidate (see `awaited`);
 * - of identical candidates (e.g. two writes of one value) only the earliest-returning is tried first.
 */
export function searchLinearization(history: CompiledHistory, deadlineMs: number): SearchResult {
  return new WingGongSearch(history).run(deadlineMs)
}

class WingGongSearch {
  private readonly kinds: Uint8Array
  private readonly args: Int32Array
  private readonly outcomes: Uint8Array
  private readonly definiteCount: number
  private readonly hasUnknown: boolean
  private readonly list: EventList
  private readonly set: LinearizedSet
  private readonly cache: LinearizationCache
  private readonly stack: SearchStack
  private readonly longest: LongestPrefix
  /** For each state, how many unlinearized definite reads observe it. */
  private readonly readers: Int32Array
  private readonly returnRanks: Int32Array
  private readonly twinned: Uint8Array
  private state: number
  private remaining: number
  private phase = FORCED
  /** The next event to scan in the DEFINITE / UNKNOWN phases. */
  private node: number

  constructor(history: CompiledHistory) {
    const n = history.operations.length
    this.kinds = history.kinds
    this.args = history.args
    this.outcomes = history.outcomes
    this.definiteCount = history.definiteCount
    this.hasUnknown = n > history.definiteCount
    this.list = new EventList(history.events)
    this.set = new LinearizedSet(history.definiteCount, n - history.definiteCount)
    this.cache = new LinearizationCache(this.set)
    this.stack = new SearchStack(n)
    this.longest = new LongestPrefix(n)
    this.readers = new Int32Array(history.stateCount)
    for (let op = 0; op < this.definiteCount; op++) if (this.kinds[op] === READ) this.readers[this.args[op]!]++
    this.returnRanks = history.returnRanks
    this.twinned = history.twinned
    this.state = history.initialState
    this.remaining = history.definiteCount
    this.node = this.list.next[0]!
  }

  run(deadlineMs: number): SearchResult {
    this.cache.visit(this.state)
    for (let steps = 1; this.remaining > 0; steps++) {
      if ((steps & CLOCK_CHECK_MASK) === 0 && performance.now() > deadlineMs) return { kind: 'timeout' }
      const op = this.nextCandidate()
      if (op === CONTINUE) continue
      const forced = this.phase === FORCED
      if (op >= 0 && this.tryLinearize(op, forced)) continue
      if (op >= 0 && !forced) continue
      if (!this.backtrack()) return { kind: 'violation', prefix: this.longest.prefix(), blocked: this.longest.blocked }
    }
    // The stack is the linearization found: one copy at the end, nothing on the search's path.
    return { kind: 'linearizable', order: Array.from(this.stack.ops.subarray(0, this.stack.depth)) }
  }

  /** One scan step: an op to try, CONTINUE to keep scanning, or DEAD_END (a return, or a forced move covered). */
  private nextCandidate(): number {
    const next = this.list.next
    if (this.phase === FORCED) {
      const op = this.findForced()
      if (op >= 0) return op
      this.phase = DEFINITE
      this.node = next[0]!
      return CONTINUE
    }
    const node = this.node
    if ((node & 1) === 0) {
      if (this.phase === DEFINITE && this.hasUnknown) {
        this.phase = UNKNOWN
        this.node = next[0]!
        return CONTINUE
      }
      this.longest.record(this.stack, (node - 1) >> 1)
      return DEAD_END
    }
    this.node = next[node]!
    const op = (node - 1) >> 1
    if (op < this.definiteCount !== (this.phase === DEFINITE)) return CONTINUE
    if (this.phase === UNKNOWN && this.kinds[op] === WRITE && !this.awaited(this.args[op]!)) return CONTINUE
    if (this.step(op) < 0) return CONTINUE
    return this.twinned[op] === 1 && this.earlierTwinPending(op) ? CONTINUE : op
  }

  /** Linearizes `op` unless the configuration it leads to is already covered. */
  private tryLinearize(op: number, forced: boolean): boolean {
    const after = this.step(op)
    this.set.add(op)
    if (this.cache.visit(after)) {
      this.set.remove(op)
      return false
    }
    this.stack.push(op, this.state, forced)
    this.state = after
    this.list.lift(op)
    if (op < this.definiteCount) this.remaining--
    if (this.kinds[op] === READ) this.readers[this.args[op]!]--
    this.phase = FORCED
    return true
  }

  /** Undoes the last branching choice and the forced moves after it; false when there is none left. */
  private backtrack(): boolean {
    let undone: number
    do {
      if (this.stack.depth === 0) return false
      undone = this.stack.pop()
      this.state = this.stack.poppedState
      this.longest.truncate(this.stack.depth)
      this.set.remove(undone)
      this.list.unlift(undone)
      if (undone < this.definiteCount) this.remaining++
      if (this.kinds[undone] === READ) this.readers[this.args[undone]!]++
    } while (this.stack.poppedForced)
    this.phase = undone < this.definiteCount ? DEFINITE : UNKNOWN
    this.node = this.list.next[callNode(undone)]!
    return true
  }

  private step(op: number): number {
    return stepInterned(this.kinds[op]!, this.args[op]!, this.outcomes[op]!, this.state)
  }

  /**
   * A definite candidate (call before the first pending return) that is legal, keeps the state, and keeps any
   * state where it is legal, or -1. Reads and refusals are such ops; a write of the current value is one only if
   * no pending read observes that value (writing it later then changes nothing observable, as for an unobserved
   * state any live state can stand in). Such an op can move to the front of any completion.
   */
  private findForced(): number {
    const next = this.list.next
    const rewriteForced = this.readers[this.state] === 0
    for (let node = next[0]!; (node & 1) === 1; node = next[node]!) {
      const op = (node - 1) >> 1
      if (op >= this.definiteCount || this.step(op) !== this.state) continue
      if (rewriteForced || this.kinds[op] !== WRITE || this.outcomes[op] !== OUTCOME_OK) return op
    }
    return -1
  }

  /**
   * Whether an identical definite op (same encoded op and result) returning earlier is also a candidate. Two
   * identical ops can swap places in any completion without changing a state, and placing the earlier-returning
   * one first keeps real-time order, so only that order needs exploring.
   */
  private earlierTwinPending(op: number): boolean {
    const { kinds, args, outcomes, returnRanks } = this
    const next = this.list.next
    for (let node = next[0]!; (node & 1) === 1; node = next[node]!) {
      const other = (node - 1) >> 1
      if (
        other < this.definiteCount &&
        returnRanks[other]! < returnRanks[op]! &&
        kinds[other] === kinds[op] &&
        args[other] === args[op] &&
        outcomes[other] === outcomes[op]
      )
        return true
    }
    return false
  }

  /**
   * Whether a read of `state` is among the candidates. Only then need an unknown write of it be tried: with no
   * pending reader any live state simulates its effect, and in any linearization it can move later, to just before
   * its first reader (nothing in between observes it, and it never has to precede anything).
   */
  private awaited(state: number): boolean {
    if (this.readers[state] === 0) return false
    const next = this.list.next
    for (let node = next[0]!; (node & 1) === 1; node = next[node]!) {
      const op = (node - 1) >> 1
      if (this.kinds[op] === READ && this.args[op] === state) return true
    }
    return false
  }
}

const CONTINUE = -1
const DEAD_END = -2
