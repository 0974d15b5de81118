import { InvalidArgumentError } from '../../core/errors.js'
import type { NodeDriver } from '../../core/node/node-driver.js'
import type { SpanRecord } from '../../core/ports/tracer.js'

/** RecentOperations' default answer size, when the request names none. */
export const DEFAULT_RECENT_LIMIT = 100

const TRACE_ID = /^[0-9a-f]{32}$/

interface WireAttribute {
  readonly key: string
  readonly values: readonly string[]
}

function attributesToWire(attributes: Readonly<Record<string, string | readonly string[]>>): WireAttribute[] {
  return Object.entries(attributes).map(([key, value]) => ({
    key,
    values: typeof value === 'string' ? [value] : value,
  }))
}

function spanToWire(span: SpanRecord): object {
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? '',
    name: span.name,
    node: span.node,
    start_unix_ms: span.startMs,
    end_unix_ms: span.endMs,
    attributes: attributesToWire(span.attributes),
    events: span.events.map((event) => ({
      name: event.name,
      time_unix_ms: event.timeMs,
      attributes: attributesToWire(event.attributes),
    })),
    error: span.error ?? '',
  }
}

/** TokenService.TraceSpans: the spans this node keeps of one trace. */
export function traceSpansReply(driver: NodeDriver, request: { trace_id?: string }): object {
  const traceId = request.trace_id ?? ''
  if (!TRACE_ID.test(traceId)) throw new InvalidArgumentError('trace_id must be 32 lower-case hex digits')
  return { node: driver.self, spans: driver.traceSpans(traceId).map(spanToWire) }
}

/** AdminService.RecentOperations: the last client operations this node coordinated, newest first. */
export function recentOperationsReply(driver: NodeDriver, request: { limit?: number; id?: string }): object {
  const limit = request.limit === undefined || request.limit === 0 ? DEFAULT_RECENT_LIMIT : request.limit
  // The node's clock is monotonic: its times become Unix ms by the offset between the two clocks now.
  const wallOffsetMs = Date.now() - driver.nowMs()
  const operations = driver.recentOperations(limit, request.id === '' ? undefined : request.id).map((op) => ({
    id: op.token,
    kind: op.type,
    start_unix_ms: op.startMs + wallOffsetMs,
    duration_ms: op.durationMs,
    outcome: op.outcome,
    trace_id: op.traceId ?? '',
  }))
  return { node: driver.self, operations }
}
