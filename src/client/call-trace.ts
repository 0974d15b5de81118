import { Metadata } from '@grpc/grpc-js'
import { randomBytes } from 'node:crypto'
import { formatTraceparent } from '../core/protocol/trace-context.js'

/** The trace one call asked for: its id, and the metadata carrying its W3C traceparent (sampled). */
export interface CallTrace {
  readonly traceId: string
  readonly metadata: Metadata
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
  // The W3C header as the core writes it for the replica hop; OpenTelemetry's modules would slow every client start.
  metadata.set('traceparent', formatTraceparent({ traceId, spanId, sampled: true }))
  return { traceId, metadata }
}

/** The result with the call's trace id, when it asked for a trace. */
export function withTraceId<T extends object>(result: T, call: CallTrace | undefined): T & { traceId?: string } {
  return call === undefined ? result : { ...result, traceId: call.traceId }
}
