/**
 * The page's "last operations with their traces" panel, and what feeds it.
 *
 * tm-web feeds it from the nodes (node-operations-feed.ts: every node's AdminService.RecentOperations, each
 * recorded operation's spans from TraceSpans). Without a feed the page says the panel is not available rather
 * than show made-up rows. The poller calls the feed once per period, one call at a time, and the page renders the
 * rows it returns (renderOperations in static/app.js), cut to the bounds below.
 */
export interface OperationView {
  /** The operation's id (the library's operation id, or the trace id when it has none). */
  readonly id: string
  readonly token: string
  /** `read`, `write`, `create`, `drop`. */
  readonly kind: string
  /** The node that coordinated it. */
  readonly node: string
  /** When it started (ms since the epoch). */
  readonly startedAtMs: number
  readonly durationMs: number
  /** `ok`, or the error code it ended with. */
  readonly outcome: string
  readonly traceId: string | null
  /** The trace's spans, in start order: where the time went (quorum rounds, hashing, persistence). */
  readonly spans: readonly SpanView[]
}

export interface SpanView {
  readonly name: string
  readonly node: string
  readonly durationMs: number
}

/** Returns the newest operations, newest first. */
export type RecentOperationsFeed = () => Promise<readonly OperationView[]>

/** Rows and spans per row the page gets: each snapshot goes to every browser every period. */
export const MAX_OPERATIONS_SHOWN = 50
export const MAX_SPANS_PER_OPERATION = 32

/** The feed's answer cut to the page's bounds. */
export function boundedOperations(operations: readonly OperationView[]): OperationView[] {
  return operations.slice(0, MAX_OPERATIONS_SHOWN).map((op) => ({
    ...op,
    spans: op.spans.slice(0, MAX_SPANS_PER_OPERATION),
  }))
}
