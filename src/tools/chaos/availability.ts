import { type ChaosToken, faultBudget, replicasOf } from './chaos-scheme.js'

/**
 * The nemesis's view of which replicas are unavailable: nodes down (killed, or restarting) and nodes silent for a
 * token (until they restart). A token keeps a live majority while its unavailable replicas stay within its budget.
 */
export class Availability {
  private readonly down = new Set<number>()
  private readonly silent = new Map<number, Set<string>>()

  constructor(private readonly tokens: readonly ChaosToken[]) {}

  isDown(node: number): boolean {
    return this.down.has(node)
  }

  isSilent(node: number, token: string): boolean {
    return this.silent.get(node)?.has(token) === true
  }

  markDown(node: number): void {
    this.down.add(node)
  }

  /** A (re)started node serves again, and is silent for nothing: silence does not survive a restart. */
  markUp(node: number): void {
    this.down.delete(node)
    this.silent.delete(node)
  }

  markSilent(node: number, token: string): void {
    const set = this.silent.get(node) ?? new Set<string>()
    set.add(token)
    this.silent.set(node, set)
  }

  /** Nodes up but silent for some token. */
  silencedNodes(): number[] {
    return [...this.silent.keys()].filter((n) => !this.down.has(n))
  }

  /** Whether every token keeps a live majority with `downs` also down and `silences` also silent. */
  fits(downs: readonly number[], silences: readonly { token: string; node: number }[]): boolean {
    return this.tokens.every((t) => {
      const unavailable = replicasOf(t).filter(
        (n) =>
          this.down.has(n) ||
          downs.includes(n) ||
          this.isSilent(n, t.token) ||
          silences.some((s) => s.node === n && s.token === t.token),
      )
      return unavailable.length <= faultBudget(t)
    })
  }
}
