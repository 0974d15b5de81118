/**
 * The W3C trace context of a recorded operation, as plain data: the core never makes spans, it only says which
 * trace and which parent span each phase belongs to (see the Tracer port). Ids are lower-case hex: 32 digits for
 * the trace, 16 for a span.
 */
export interface TraceContext {
  readonly traceId: string
  readonly spanId: string
  /** The caller wants this operation recorded (W3C's sampled flag). */
  readonly sampled: boolean
}

/** The span one phase of a recorded operation becomes: its trace, its parent, and its own id when messages name it. */
export interface PhaseSpan {
  readonly traceId: string
  readonly parentSpanId: string
  /** Set for a phase whose messages carry it to the replicas; the tracer draws the others' ids. */
  readonly spanId?: string
}

/**
 * The span id of the quorum round `reqId` of the operation whose span is `op`: derived rather than drawn, so that
 * the core needs no random source, and the messages can name their phase before it ends. The first half comes
 * from the operation's random id, the second from the round's id, unique on this node.
 */
export function roundSpanId(op: TraceContext, reqId: number): string {
  return op.spanId.slice(0, 8) + (reqId >>> 0).toString(16).padStart(8, '0')
}

/** The span of one round of the operation `op` (undefined when the operation is not recorded). */
export function roundSpan(op: TraceContext | undefined, reqId: number): PhaseSpan | undefined {
  if (op === undefined) return undefined
  return { traceId: op.traceId, parentSpanId: op.spanId, spanId: roundSpanId(op, reqId) }
}

/** The span of a phase without messages (hashing, a local read) of the operation `op`. */
export function leafSpan(op: TraceContext | undefined): PhaseSpan | undefined {
  return op === undefined ? undefined : { traceId: op.traceId, parentSpanId: op.spanId }
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The W3C `traceparent` text of a context (version 00). */
export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`
}

/**
 * A W3C `traceparent` (version 00) as a context; undefined when it is not one, or names the all-zero trace or
 * span (invalid by the W3C rules). A bad context is dropped, never an error: tracing must not change an answer.
 */
export function parseTraceparent(text: string): TraceContext | undefined {
  const match = TRACEPARENT.exec(text)
  if (match === null) return undefined
  const [, traceId, spanId, flags] = match
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined
  return { traceId: traceId!, spanId: spanId!, sampled: (Number.parseInt(flags!, 16) & 1) === 1 }
}
