import type { OtlpSinkSettings } from './otlp-span-sink.js'
import type { SpanRecord } from '../../core/ports/tracer.js'
import type { SpanSink } from './recording-tracer.js'

/** Spans kept while the exporter's modules load; more are dropped (the exporter's own queue has a bound too). */
const MAX_WAITING_SPANS = 2048

/**
 * The OTLP sink, its modules loaded only once a node runs `tracing: otlp`: the OpenTelemetry SDK and exporter take
 * about 0.3 s to load, which every node start and every tm-client run would otherwise pay with tracing off. Spans
 * that end while they load wait here, bounded.
 */
export class LazySpanSink implements SpanSink {
  private sink: SpanSink | undefined
  private waiting: SpanRecord[] = []
  private readonly loaded: Promise<SpanSink | undefined>
  dropped = 0

  constructor(node: string, settings: OtlpSinkSettings) {
    this.loaded = import('./otlp-span-sink.js').then(
      ({ OtlpSpanSink }) => {
        this.sink = OtlpSpanSink.batching(node, settings)
        for (const span of this.waiting) this.sink.export(span)
        this.waiting = []
        return this.sink
      },
      () => undefined,
    )
  }

  export(span: SpanRecord): void {
    if (this.sink !== undefined) return this.sink.export(span)
    if (this.waiting.length >= MAX_WAITING_SPANS) {
      this.dropped++
      return
    }
    this.waiting.push(span)
  }

  async close(): Promise<void> {
    const sink = await this.loaded
    await sink?.close()
  }
}
