import type { NodeStatus } from '../../client/admin-results.js'

interface Counter {
  readonly operations: bigint
  readonly atMs: number
}

/**
 * Operations per second per token from successive Status samples: each node counts the operations it coordinated,
 * so a token's rate is the sum of its nodes' rates. Only the tokens given are tracked, so the maps stay as small
 * as the page (tokens shown x nodes).
 */
export class OpsRates {
  private readonly counters = new Map<string, Counter>()
  private readonly rates = new Map<string, number>()

  constructor(private readonly tokens: ReadonlySet<string>) {}

  /** A new sample of `node` taken at `atMs`. */
  observe(node: string, status: NodeStatus, atMs: number): void {
    for (const token of status.tokens) {
      if (!this.tokens.has(token.id)) continue
      const key = `${node}\u0000${token.id}`
      const last = this.counters.get(key)
      this.counters.set(key, { operations: token.operations, atMs })
      if (last === undefined || atMs <= last.atMs) continue
      // A counter that went down belongs to a restarted node: no rate from that pair of samples.
      const delta = token.operations >= last.operations ? Number(token.operations - last.operations) : 0
      this.rates.set(key, (delta * 1000) / (atMs - last.atMs))
    }
  }

  /** The node stopped answering: its operations no longer count toward any rate. */
  forget(node: string): void {
    const prefix = `${node}\u0000`
    for (const key of this.rates.keys()) if (key.startsWith(prefix)) this.rates.delete(key)
    for (const key of this.counters.keys()) if (key.startsWith(prefix)) this.counters.delete(key)
  }

  /** The token's operations per second, summed over the nodes. */
  perSecond(token: string, nodes: readonly string[]): number {
    let sum = 0
    for (const node of nodes) sum += this.rates.get(`${node}\u0000${token}`) ?? 0
    return sum
  }
}
