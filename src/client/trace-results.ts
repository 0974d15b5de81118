import type { SpanEventRecord, SpanRecord } from '../core/ports/tracer.js'
/**
 * A span a node recorded (TokenService.TraceSpans), times in Unix ms: the same record the node keeps (SpanRecord).
 * Attributes: tm.token, tm.phase, tm.end (why the phase ended), tm.asked (the replicas asked), tm.detail,
 * tm.outcome; events: `reply` with `from` and `version` (seq.epoch).
 */
export type TraceSpan = SpanRecord

/** A timed event inside a span: a reply to a round (who, which version). */
export type TraceSpanEvent = SpanEventRecord

/** A client operation a node coordinated (AdminService.RecentOperations). */
export interface RecentOperation {
  readonly id: string
  readonly kind: string
  readonly startMs: number
  readonly durationMs: number
  /** 'ok' or the error code. */
  readonly outcome: string
  /** Set when the operation was recorded: its spans come from traceSpans. */
  readonly traceId: string | undefined
}

interface WireAttribute {
  readonly key: string
  readonly values: readonly string[]
}
export interface WireSpan {
  readonly trace_id: string
  readonly span_id: string
  readonly parent_span_id: string
  readonly name: string
  readonly node: string
  readonly start_unix_ms: number
  readonly end_unix_ms: number
  readonly attributes: readonly WireAttribute[]
  readonly events: readonly { name: string; time_unix_ms: number; attributes: readonly WireAttribute[] }[]
  readonly error: string
}
export interface WireTraceSpansReply {
  readonly node: string
  readonly spans: readonly WireSpan[]
}
export interface WireRecentOperationsReply {
  readonly node: string
  readonly operations: readonly {
    id: string
    kind: string
    start_unix_ms: number
    duration_ms: number
    outcome: string
    trace_id: string
  }[]
}

function attributes(wire: readonly WireAttribute[]): Record<string, string | readonly string[]> {
  return Object.fromEntries(wire.map((a) => [a.key, a.values.length === 1 ? a.values[0]! : a.values]))
}

export function traceSpan(wire: WireSpan): TraceSpan {
  return {
    traceId: wire.trace_id,
    spanId: wire.span_id,
    parentSpanId: wire.parent_span_id === '' ? undefined : wire.parent_span_id,
    name: wire.name,
    node: wire.node,
    startMs: wire.start_unix_ms,
    endMs: wire.end_unix_ms,
    attributes: attributes(wire.attributes),
    events: wire.events.map((e) => ({
      name: e.name,
      timeMs: e.time_unix_ms,
      attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.values.join(',')])),
    })),
    error: wire.error === '' ? undefined : wire.error,
  }
}

export function recentOperations(reply: WireRecentOperationsReply): RecentOperation[] {
  return reply.operations.map((op) => ({
    id: op.id,
    kind: op.kind,
    startMs: op.start_unix_ms,
    durationMs: op.duration_ms,
    outcome: op.outcome,
    traceId: op.trace_id === '' ? undefined : op.trace_id,
  }))
}
