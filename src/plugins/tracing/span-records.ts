import type { OperationEnd, SpanEventRecord, SpanRecord } from '../../core/ports/tracer.js'
import type { PhaseEnd, PhaseEvent } from '../../core/protocol/outbox.js'
import type { SpanIds } from './span-ids.js'

/** Phase ends that mean the phase failed: its span carries an error. */
const FAILED_ENDS: ReadonlySet<PhaseEnd> = new Set(['deadline', 'failed', 'cancelled', 'fenced', 'superseded'])

/**
 * Builds span records from what the node reports: phases and operations on the node's clock become spans in Unix
 * ms (`wallOffsetMs` = wall time minus node time), each tagged with this node.
 */
export class SpanRecords {
  constructor(
    private readonly node: string,
    private readonly wallOffsetMs: number,
    private readonly ids: SpanIds,
  ) {}

  ofPhase(event: PhaseEvent, sentMs: number): SpanRecord {
    const span = event.span!
    // A replica's answer leaves once its save is durable: its span ends then.
    const endMs = event.phase === 'serve' ? sentMs : event.startMs + event.durationMs
    const attributes: Record<string, string | readonly string[]> = {
      'tm.node': this.node,
      'tm.token': event.token,
      'tm.phase': event.phase,
      'tm.end': event.end,
    }
    if (event.asked !== undefined) attributes['tm.asked'] = [...event.asked]
    if (event.detail !== undefined) attributes['tm.detail'] = event.detail
    return {
      traceId: span.traceId,
      spanId: span.spanId ?? this.ids.spanId(),
      parentSpanId: span.parentSpanId,
      name: event.phase,
      node: this.node,
      startMs: this.wallMs(event.startMs),
      endMs: this.wallMs(endMs),
      attributes,
      events: this.repliesOf(event),
      ...(FAILED_ENDS.has(event.end) && { error: `ended: ${event.end}` }),
    }
  }

  ofOperation(end: OperationEnd): SpanRecord {
    const trace = end.trace
    return {
      traceId: trace.traceId,
      spanId: trace.spanId,
      parentSpanId: trace.parentSpanId,
      name: end.type,
      node: this.node,
      startMs: this.wallMs(end.startMs),
      endMs: this.wallMs(end.endMs),
      attributes: { 'tm.node': this.node, 'tm.token': end.token, 'tm.outcome': end.outcome },
      events: [],
      ...(end.error !== undefined && { error: end.error }),
    }
  }

  private repliesOf(event: PhaseEvent): SpanEventRecord[] {
    return (event.replies ?? []).map((reply) => ({
      name: 'reply',
      timeMs: this.wallMs(reply.atMs ?? event.startMs),
      attributes: { from: reply.from, version: `${reply.ts.seq}.${reply.ts.epoch}` },
    }))
  }

  private wallMs(nodeMs: number): number {
    return nodeMs + this.wallOffsetMs
  }
}
