/**
 * The page's "last operations with their traces" panel, and what feeds it.
 *
 * Nothing feeds it yet: the node RPCs that list recent operations and their spans are not in this build, and the
 * page says so rather than show made-up rows. To wire it, give `startLiveServer` a `recentOperations` feed: a
 * function returning the newest operations (newest first), for instance by calling every node's
 * AdminService.RecentOperations through the library client and joining each operation's spans from TraceSpans.
 * The poller calls it once per period, one call at a time, and the page renders whatever rows it returns
 * (renderOperations in static/app.js), cut to the bounds below.
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
