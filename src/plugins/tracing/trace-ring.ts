import type { SpanRecord } from '../../core/ports/tracer.js'

/** How much a node keeps of recorded traces: every bound holds at all times. */
export interface TraceRingBounds {
  readonly maxTraces: number
  readonly maxSpans: number
  /** One trace's share, so that one huge trace cannot push out all the others. */
  readonly maxSpansPerTrace: number
}

export const DEFAULT_RING_BOUNDS: TraceRingBounds = { maxTraces: 1_000, maxSpans: 20_000, maxSpansPerTrace: 500 }

/**
 * The spans of the last traces this node recorded, for TraceSpans: a trace enters when its first span does, and
 * the trace that entered first leaves first once a bound is passed. A span beyond its trace's share is dropped.
 */
export class TraceRing {
  private readonly traces = new Map<string, SpanRecord[]>()
  private spanCount = 0
  /** Spans not kept because their trace had its share already. */
  dropped = 0

  constructor(readonly bounds: TraceRingBounds = DEFAULT_RING_BOUNDS) {
    if (bounds.maxSpansPerTrace > bounds.maxSpans) throw new RangeError('a trace may not hold more than the ring')
  }

  add(span: SpanRecord): void {
    let spans = this.traces.get(span.traceId)
    if (spans === undefined) {
      spans = []
      this.traces.set(span.traceId, spans)
    }
    if (spans.length >= this.bounds.maxSpansPerTrace) {
      this.dropped++
      return
    }
    spans.push(span)
    this.spanCount++
    while (this.traces.size > this.bounds.maxTraces || this.spanCount > this.bounds.maxSpans) this.evictOldest()
  }

  /** The spans kept of one trace, oldest first (a copy). */
  spans(traceId: string): SpanRecord[] {
    return [...(this.traces.get(traceId) ?? [])]
  }

  get traceCount(): number {
    return this.traces.size
  }

  get size(): number {
    return this.spanCount
  }

  private evictOldest(): void {
    const [traceId, spans] = this.traces.entries().next().value as [string, SpanRecord[]]
    this.traces.delete(traceId)
    this.spanCount -= spans.length
  }
}
