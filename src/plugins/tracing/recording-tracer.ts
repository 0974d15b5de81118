import type { OperationEnd, OperationTrace, SpanRecord, Tracer } from '../../core/ports/tracer.js'
import type { PhaseEvent } from '../../core/protocol/outbox.js'
import type { TraceContext } from '../../core/protocol/trace-context.js'
import { SpanIds } from './span-ids.js'
import { SpanRecords } from './span-records.js'
import type { TraceRing } from './trace-ring.js'

/** Where recorded spans go besides the ring: an exporter (see OtlpSpanSink). */
export interface SpanSink {
  export(span: SpanRecord): void
  close(): Promise<void>
}

export interface RecordingTracerOptions {
  readonly node: string
  /** Wall time minus node-clock time: spans are stamped in Unix ms. */
  readonly wallOffsetMs: number
  /**
   * Share of operations without a caller's context to record, 0 to 1: 0 records only the operations callers ask
   * for (tracing off), 1 every one. A caller's context decides for its own operation (parent-based).
   */
  readonly ratio: number
  readonly ring: TraceRing
  readonly sink?: SpanSink
  /** For tests: the source of the ratio's draws. */
  readonly random?: () => number
}

/**
 * The Tracer of a served node: it records an operation when its caller's context says sampled (or, with a ratio,
 * on its own), keeps the spans in a bounded ring for TraceSpans, and hands them to a sink when one is set. An
 * operation it does not record costs one comparison.
 */
export class RecordingTracer implements Tracer {
  private readonly ids = new SpanIds()
  private readonly records: SpanRecords
  private readonly random: () => number

  constructor(private readonly options: RecordingTracerOptions) {
    this.records = new SpanRecords(options.node, options.wallOffsetMs, this.ids)
    this.random = options.random ?? Math.random
  }

  begin(parent: TraceContext | undefined): OperationTrace | undefined {
    if (parent === undefined) {
      if (this.options.ratio <= 0 || this.random() >= this.options.ratio) return undefined
      return { traceId: this.ids.traceId(), spanId: this.ids.spanId(), sampled: true }
    }
    if (!parent.sampled) return undefined
    return { traceId: parent.traceId, spanId: this.ids.spanId(), sampled: true, parentSpanId: parent.spanId }
  }

  phase(event: PhaseEvent, sentMs: number): void {
    this.keep(this.records.ofPhase(event, sentMs))
  }

  operation(end: OperationEnd): void {
    this.keep(this.records.ofOperation(end))
  }

  spans(traceId: string): readonly SpanRecord[] {
    return this.options.ring.spans(traceId)
  }

  async close(): Promise<void> {
    await this.options.sink?.close()
  }

  private keep(span: SpanRecord): void {
    this.options.ring.add(span)
    this.options.sink?.export(span)
  }
}
