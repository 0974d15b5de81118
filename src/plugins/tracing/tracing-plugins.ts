import type { PluginRegistration, SectionFields } from '../../node/plugin-registry.js'
import { LazySpanSink } from './lazy-span-sink.js'
import { DEFAULT_RING_BOUNDS, type TraceRingBounds } from './trace-ring.js'
import { tracingModule } from './tracing-module.js'

/** The ring every kind keeps for TraceSpans: how many traces and spans at most. */
interface RingSettings {
  readonly ringTraces: number
  readonly ringSpans: number
}

interface OtlpSettings extends RingSettings {
  readonly endpoint: string
  /** Share of operations without a caller's context to record and export, in percent (100). */
  readonly samplePercent: number
  readonly maxQueue: number
  readonly exportDelayMs: number
}

const RING_FIELDS = ['ringTraces', 'ringSpans']

function parseRing(fields: SectionFields): RingSettings {
  return {
    ringTraces: fields.integer('ringTraces', 1, DEFAULT_RING_BOUNDS.maxTraces),
    ringSpans: fields.integer('ringSpans', 1, DEFAULT_RING_BOUNDS.maxSpans),
  }
}

function boundsOf(settings: RingSettings): TraceRingBounds {
  const { ringTraces: maxTraces, ringSpans: maxSpans } = settings
  return { maxTraces, maxSpans, maxSpansPerTrace: Math.min(DEFAULT_RING_BOUNDS.maxSpansPerTrace, maxSpans) }
}

function endpointOf(fields: SectionFields): string {
  const text = fields.text('endpoint', 'an http(s) URL such as http://127.0.0.1:4318/v1/traces')
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw fields.error('endpoint', `tracing endpoint must be an http(s) URL; got "${text}"`)
  return text
}

function percentOf(fields: SectionFields): number {
  const percent = fields.integer('samplePercent', 0, 100)
  if (percent > 100) throw fields.error('samplePercent', `tracing samplePercent must be 0 to 100; got ${percent}`)
  return percent
}

/**
 * `tracing: off` (the default): nothing is exported, and an operation is recorded only when its caller asks
 * (a sampled traceparent, or `tm-trace: 1`); its spans wait in the ring for TraceSpans. Free for the others.
 */
export const offTracingPlugin: PluginRegistration<RingSettings> = {
  slot: 'tracing',
  kind: 'off',
  fields: RING_FIELDS,
  parse: parseRing,
  module: (settings, node) => tracingModule(node.self, boundsOf(settings), 0),
}

/**
 * `tracing: { kind: otlp, endpoint: http://127.0.0.1:4318/v1/traces }`: records every operation (or
 * `samplePercent` of those no caller decided for) and exports the spans as OTLP/protobuf over HTTP, batched, at
 * most `maxQueue` waiting; the ring keeps them too.
 */
export const otlpTracingPlugin: PluginRegistration<OtlpSettings> = {
  slot: 'tracing',
  kind: 'otlp',
  fields: ['endpoint', 'samplePercent', 'maxQueue', 'exportDelayMs', ...RING_FIELDS],
  parse: (fields) => ({
    endpoint: endpointOf(fields),
    samplePercent: percentOf(fields),
    maxQueue: fields.integer('maxQueue', 1, 2048),
    exportDelayMs: fields.integer('exportDelayMs', 1, 1000),
    ...parseRing(fields),
  }),
  module: (settings, node) =>
    tracingModule(
      node.self,
      boundsOf(settings),
      settings.samplePercent / 100,
      () => new LazySpanSink(node.self, settings),
    ),
}
