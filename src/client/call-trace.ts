import { Metadata } from '@grpc/grpc-js'
import { ROOT_CONTEXT, type TextMapSetter, TraceFlags, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { randomBytes } from 'node:crypto'

/** The trace one call asked for: its id, and the metadata carrying its W3C traceparent (sampled). */
export interface CallTrace {
  readonly traceId: string
  readonly metadata: Metadata
}

const propagator = new W3CTraceContextPropagator()

const metadataSetter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
}

/**
 * A fresh trace for a call that asked for one (`CallOptions.trace`): a random trace id and a span id standing
 * for this call, sampled, so that every node the operation touches records its spans.
 */
export function callTrace(asked: boolean | undefined): CallTrace | undefined {
  if (asked !== true) return undefined
  const traceId = randomBytes(16).toString('hex')
  const spanId = randomBytes(8).toString('hex')
  const metadata = new Metadata()
  const context = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED })
  propagator.inject(context, metadata, metadataSetter)
  return { traceId, metadata }
}

/** The result with the call's trace id, when it asked for a trace. */
export function withTraceId<T extends object>(result: T, call: CallTrace | undefined): T & { traceId?: string } {
  return call === undefined ? result : { ...result, traceId: call.traceId }
}
