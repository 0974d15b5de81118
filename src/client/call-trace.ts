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

const FAILED_TRACES = new WeakMap<Error, string>()

/**
 * The trace id of a traced call that failed (a deadline, a refusal, ...): the nodes recorded its spans all the
 * same, and a failure is when they are most wanted. Undefined for an error of an untraced call.
 */
export function traceIdOf(error: unknown): string | undefined {
  return error instanceof Error ? FAILED_TRACES.get(error) : undefined
}

/** Remembers the call's trace id with the error it failed with (traceIdOf), then rethrows it. */
export function rethrowTraced(call: CallTrace | undefined): (error: unknown) => never {
  return (error) => {
    if (call !== undefined && error instanceof Error) FAILED_TRACES.set(error, call.traceId)
    throw error
  }
}
