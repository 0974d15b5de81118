import { type Attributes, type HrTime, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace'
import type { SpanRecord } from '../../core/ports/tracer.js'
import type { SpanSink } from './recording-tracer.js'

export interface OtlpSinkSettings {
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  readonly endpoint: string
  /** Spans waiting for export beyond this are dropped (BatchSpanProcessor's maxQueueSize). */
  readonly maxQueue: number
  readonly exportDelayMs: number
}

type Resource = ReadableSpan['resource']

/** The resource every span of this node names: the service, and the node as its instance. */
function nodeResource(node: string): Resource {
  const attributes: Attributes = { 'service.name': 'atomic-token-manager', 'service.instance.id': node }
  const resource: Resource = {
    attributes,
    merge: () => resource,
    getRawAttributes: () => Object.entries(attributes),
  }
  return resource
}

function hrTime(unixMs: number): HrTime {
  const seconds = Math.floor(unixMs / 1000)
  return [seconds, Math.round((unixMs - seconds * 1000) * 1e6)]
}

/** A span record as the OpenTelemetry SDK's finished span: ids, times and parent are ours, not drawn again. */
export function readableSpanOf(span: SpanRecord, resource: Resource): ReadableSpan {
  const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: TraceFlags.SAMPLED }
  const parent =
    span.parentSpanId === undefined
      ? undefined
      : { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true }
  return {
    name: span.name,
    kind: span.name === 'serve' ? SpanKind.SERVER : SpanKind.INTERNAL,
    spanContext: () => context,
    ...(parent && { parentSpanContext: parent }),
    startTime: hrTime(span.startMs),
    endTime: hrTime(span.endMs),
    duration: hrTime(span.endMs - span.startMs),
    status:
      span.error === undefined ? { code: SpanStatusCode.OK } : { code: SpanStatusCode.ERROR, message: span.error },
    attributes: span.attributes as Attributes,
    links: [],
    events: span.events.map((event) => ({
      name: event.name,
      time: hrTime(event.timeMs),
      attributes: event.attributes,
    })),
    ended: true,
    resource,
    instrumentationScope: { name: 'atomic-token-manager' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  }
}

/**
 * Hands finished spans to an OpenTelemetry span processor: by default a BatchSpanProcessor exporting OTLP/protobuf
 * over HTTP, whose queue is bounded (spans beyond it are dropped, never waited for). Tests pass a processor over
 * an in-memory exporter.
 */
export class OtlpSpanSink implements SpanSink {
  private readonly resource: Resource

  constructor(
    node: string,
    private readonly processor: SpanProcessor,
  ) {
    this.resource = nodeResource(node)
  }

  static batching(node: string, settings: OtlpSinkSettings): OtlpSpanSink {
    const exporter = new OTLPTraceExporter({ url: settings.endpoint })
    const processor = new BatchSpanProcessor({
      exporter,
      maxQueueSize: settings.maxQueue,
      maxExportBatchSize: Math.min(512, settings.maxQueue),
      scheduledDelayMillis: settings.exportDelayMs,
    })
    return new OtlpSpanSink(node, processor)
  }

  export(span: SpanRecord): void {
    this.processor.onEnd(readableSpanOf(span, this.resource))
  }

  /** Exports what is queued, then stops. */
  async close(): Promise<void> {
    await this.processor.shutdown()
  }
}
