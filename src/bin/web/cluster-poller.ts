import type { NodeStatus } from '../../client/admin-results.js'
import type { TokenScheme } from '../../core/scheme/replication-scheme.js'
import { buildSnapshot, type ClusterSnapshot, type NodeSample } from './cluster-snapshot.js'
import { OpsRates } from './ops-rates.js'
import { boundedOperations, type OperationView, type RecentOperationsFeed } from './recent-operations.js'

/** One node's Status with a deadline: the library client's `status(node, { timeoutMs })`. */
export type StatusSource = (node: string, timeoutMs: number) => Promise<NodeStatus>

export interface PollerOptions {
  readonly nodes: readonly string[]
  /** The tokens shown, in scheme order (the page shows a bounded number of them). */
  readonly tokens: readonly TokenScheme[]
  /** Tokens in the whole scheme. */
  readonly tokenCount: number
  readonly periodMs: number
  readonly timeoutMs: number
  /** Called with each new snapshot, at most once per period. */
  readonly onSnapshot: (snapshot: ClusterSnapshot) => void
  /** The last operations with their traces, when something provides them (see recent-operations.ts). */
  readonly recentOperations?: RecentOperationsFeed | undefined
  readonly nowMs?: () => number
}

/** Longest error text kept per node: a node's error reaches every browser on every snapshot. */
const MAX_ERROR_CHARS = 300

/**
 * Polls every node's Status, at most one call in flight per node, so a slow or dead node costs one pending call
 * however long it hangs (each call also has a deadline). Each period it publishes a snapshot if anything changed.
 */
export class ClusterPoller {
  private readonly samples = new Map<string, NodeSample>()
  private readonly inFlight = new Set<string>()
  private readonly rates: OpsRates
  private readonly nowMs: () => number
  private timer: NodeJS.Timeout | undefined
  private changed = true
  private latest: ClusterSnapshot
  private operations: readonly OperationView[] | null = null
  private operationsInFlight = false

  constructor(
    private readonly source: StatusSource,
    private readonly options: PollerOptions,
  ) {
    this.nowMs = options.nowMs ?? Date.now
    this.rates = new OpsRates(new Set(options.tokens.map((t) => t.token)))
    this.latest = this.build()
  }

  start(): void {
    this.pollAll()
    this.timer = setInterval(() => this.tick(), this.options.periodMs)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** The latest snapshot (what a browser gets when it connects). */
  snapshot(): ClusterSnapshot {
    return this.latest
  }

  /** Polls now the nodes not already being polled (after an action, so its effect shows without a period's wait). */
  pollAll(): Promise<void> {
    const polls = this.options.nodes.map((node) => this.poll(node))
    return Promise.all([...polls, this.pollOperations()]).then(() => {})
  }

  /** Polls and publishes at once: an action's effect reaches the browsers without waiting for the next period. */
  async refresh(): Promise<void> {
    await this.pollAll()
    this.publish()
  }

  private tick(): void {
    if (this.changed) this.publish()
    void this.pollAll()
  }

  private publish(): void {
    this.changed = false
    this.latest = this.build()
    this.options.onSnapshot(this.latest)
  }

  private async poll(node: string): Promise<void> {
    if (this.inFlight.has(node)) return
    this.inFlight.add(node)
    try {
      const status = await this.source(node, this.options.timeoutMs)
      const atMs = this.nowMs()
      this.rates.observe(node, status, atMs)
      this.samples.set(node, { status, answeredAtMs: atMs, error: undefined })
    } catch (error) {
      const last = this.samples.get(node)
      this.rates.forget(node)
      this.samples.set(node, { status: last?.status, answeredAtMs: last?.answeredAtMs, error: oneLine(error) })
    } finally {
      this.inFlight.delete(node)
      this.changed = true
    }
  }

  /** One call of the operations feed at a time; a failing feed leaves the last rows shown. */
  private async pollOperations(): Promise<void> {
    const feed = this.options.recentOperations
    if (feed === undefined || this.operationsInFlight) return
    this.operationsInFlight = true
    try {
      this.operations = boundedOperations(await feed())
      this.changed = true
    } catch {
      // The grid matters more than the panel: a feed that fails keeps its last rows until it answers again.
    } finally {
      this.operationsInFlight = false
    }
  }

  private build(): ClusterSnapshot {
    const nodes = this.options.nodes
    return buildSnapshot({
      atMs: this.nowMs(),
      nodes,
      tokens: this.options.tokens,
      tokenCount: this.options.tokenCount,
      samples: this.reachableSamples(),
      opsPerSec: (token) => this.rates.perSecond(token, nodes),
      operations: this.operations,
    })
  }

  /** A node that stopped answering keeps its error but shows no cells: its last copy may be long stale. */
  private reachableSamples(): Map<string, NodeSample> {
    const samples = new Map<string, NodeSample>()
    for (const [node, sample] of this.samples)
      samples.set(node, sample.error === undefined ? sample : { ...sample, status: undefined })
    return samples
  }
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return (text.trim().split('\n')[0] ?? '').slice(0, MAX_ERROR_CHARS)
}
