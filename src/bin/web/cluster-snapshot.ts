import type { NodeStatus, TokenStatus } from '../../client/admin-results.js'
import type { TokenScheme } from '../../core/scheme/replication-scheme.js'
import type { OperationView } from './recent-operations.js'

/** One node's copy of one token as the page shows it (JSON: uint64 as decimal strings). */
export interface CellView {
  readonly writer: boolean
  readonly reader: boolean
  readonly version: string | null
  readonly epoch: string | null
  readonly value: 'written' | 'empty' | 'dropped' | null
  readonly committed: boolean
  readonly final: boolean
  readonly silent: boolean
  readonly pending: number
  /** At a reader holding a read lease: the ms it has left. */
  readonly leaseRemainingMs: number | null
  /** At the writer: the readers that may hold a read lease now. */
  readonly leaseHolders: readonly string[]
  readonly recovering: { readonly answered: number; readonly ready: number; readonly others: number } | null
}

export interface NodeView {
  readonly node: string
  readonly reachable: boolean
  /** Why the last poll failed (one line). */
  readonly error: string | null
  /** When the node last answered (ms since the epoch); null if never. */
  readonly answeredAtMs: number | null
}

export interface TokenView {
  readonly id: string
  readonly writer: string
  readonly readers: readonly string[]
  /** Client operations per second on the token, summed over the nodes that coordinated them. */
  readonly opsPerSec: number
  /** By node: null where the node stores no copy or has not answered. */
  readonly cells: { readonly [node: string]: CellView | null }
}

export interface ClusterSnapshot {
  readonly atMs: number
  readonly nodes: readonly NodeView[]
  readonly tokens: readonly TokenView[]
  /** Tokens in the scheme; the page shows the first `tokens.length` of them. */
  readonly tokenCount: number
  /** The last operations with their traces; null while nothing feeds them (see recent-operations.ts). */
  readonly operations: readonly OperationView[] | null
}

/** What the poller knows of one node: its last answer, and whether its last poll failed. */
export interface NodeSample {
  readonly status: NodeStatus | undefined
  readonly answeredAtMs: number | undefined
  readonly error: string | undefined
}

/** The page's view of the cluster from each node's latest sample and each token's rate. */
export function buildSnapshot(input: {
  readonly atMs: number
  readonly nodes: readonly string[]
  readonly tokens: readonly TokenScheme[]
  readonly tokenCount: number
  readonly samples: ReadonlyMap<string, NodeSample>
  readonly opsPerSec: (token: string) => number
  readonly operations: readonly OperationView[] | null
}): ClusterSnapshot {
  const byNode = new Map<string, Map<string, TokenStatus>>()
  for (const [node, sample] of input.samples) {
    if (sample.status !== undefined) byNode.set(node, new Map(sample.status.tokens.map((s) => [s.id, s])))
  }
  return {
    atMs: input.atMs,
    tokenCount: input.tokenCount,
    operations: input.operations,
    nodes: input.nodes.map((node) => nodeView(node, input.samples.get(node))),
    tokens: input.tokens.map((entry) => ({
      id: entry.token,
      writer: entry.writer,
      readers: entry.readers,
      opsPerSec: input.opsPerSec(entry.token),
      cells: Object.fromEntries(input.nodes.map((node) => [node, cellOf(byNode.get(node)?.get(entry.token))])),
    })),
  }
}

function nodeView(node: string, sample: NodeSample | undefined): NodeView {
  return {
    node,
    reachable: sample !== undefined && sample.error === undefined,
    error: sample === undefined ? 'not polled yet' : (sample.error ?? null),
    answeredAtMs: sample?.answeredAtMs ?? null,
  }
}

function cellOf(s: TokenStatus | undefined): CellView | null {
  if (s === undefined) return null
  return {
    writer: s.roles.includes('writer'),
    reader: s.roles.includes('reader'),
    version: s.version === undefined ? null : String(s.version.seq),
    epoch: s.version === undefined ? null : String(s.version.epoch),
    value: s.value ?? null,
    committed: s.committed,
    final: s.finalComputed,
    silent: s.silent,
    pending: s.pending,
    leaseRemainingMs: s.leaseRemainingMs === undefined ? null : Number(s.leaseRemainingMs),
    leaseHolders: s.leaseHolders.map((h) => h.node),
    recovering: s.recovering ?? null,
  }
}
