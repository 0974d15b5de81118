import type { TokenManagerClient } from '../../client/token-manager-client.js'
import type { TraceSpan } from '../../client/trace-results.js'
import type { ReplicationScheme } from '../../core/scheme/replication-scheme.js'
import {
  MAX_OPERATIONS_SHOWN,
  MAX_SPANS_PER_OPERATION,
  type OperationView,
  type RecentOperationsFeed,
} from './recent-operations.js'

/** Operations asked of each node per poll: the page shows the newest MAX_OPERATIONS_SHOWN of all of them. */
const PER_NODE = 20
/** Traces fetched per poll at most: each asks every replica of its token, so a burst is spread over polls. */
const NEW_TRACES_PER_POLL = 8
/** Traces whose spans are remembered (a trace's spans are fetched once, when it is first listed). */
const MAX_CACHED_TRACES = 256

/**
 * The page's "last operations with their traces": every node's AdminService.RecentOperations, newest first, each
 * recorded operation with its spans from TraceSpans at every replica of its token. tm-web asks for traces of its
 * own actions, so those always show where their time went; others do when the cluster records them (a caller
 * asked, or `tracing: otlp`).
 */
export function nodeOperationsFeed(
  client: TokenManagerClient,
  scheme: ReplicationScheme,
  timeoutMs: number,
): RecentOperationsFeed {
  const traces = new Map<string, SpanViews>()
  return async () => {
    const lists = await Promise.all(scheme.nodes().map((node) => operationsAt(client, node, timeoutMs)))
    const newest = lists
      .flat()
      .sort((a, b) => b.startedAtMs - a.startedAtMs)
      .slice(0, MAX_OPERATIONS_SHOWN)
    await fetchNewTraces(client, scheme, newest, traces, timeoutMs)
    return newest.map((op) => ({ ...op, spans: (op.traceId && traces.get(op.traceId)) || [] }))
  }
}

type SpanViews = OperationView['spans']

/** A node that does not answer lists nothing this poll: the grid already shows it unreachable. */
async function operationsAt(client: TokenManagerClient, node: string, timeoutMs: number): Promise<OperationView[]> {
  try {
    const operations = await client.recentOperations(node, { limit: PER_NODE, timeoutMs })
    return operations.map((op) => ({
      id: `${node} ${op.traceId ?? ''} ${op.startMs}`,
      token: op.id,
      kind: op.kind,
      node,
      startedAtMs: op.startMs,
      durationMs: Math.round(op.durationMs * 10) / 10,
      outcome: op.outcome,
      traceId: op.traceId ?? null,
      spans: [],
    }))
  } catch {
    return []
  }
}

async function fetchNewTraces(
  client: TokenManagerClient,
  scheme: ReplicationScheme,
  operations: readonly OperationView[],
  traces: Map<string, SpanViews>,
  timeoutMs: number,
): Promise<void> {
  const fresh = operations.filter((op) => op.traceId !== null && !traces.has(op.traceId)).slice(0, NEW_TRACES_PER_POLL)
  await Promise.all(
    fresh.map(async (op) => {
      const replicas = scheme.get(op.token) === undefined ? [op.node] : scheme.replicasOf(op.token)
      const answers = await client.traceOf(op.traceId!, replicas, { timeoutMs })
      const spans = answers.flatMap((answer) => (answer.ok ? answer.spans : []))
      remember(traces, op.traceId!, spanViews(spans))
    }),
  )
}

function spanViews(spans: readonly TraceSpan[]): SpanViews {
  return [...spans]
    .sort((a, b) => a.startMs - b.startMs)
    .slice(0, MAX_SPANS_PER_OPERATION)
    .map((span) => ({
      name: span.name,
      node: span.node,
      durationMs: Math.round((span.endMs - span.startMs) * 10) / 10,
    }))
}

function remember(traces: Map<string, SpanViews>, traceId: string, spans: SpanViews): void {
  traces.set(traceId, spans)
  if (traces.size > MAX_CACHED_TRACES) traces.delete(traces.keys().next().value!)
}
