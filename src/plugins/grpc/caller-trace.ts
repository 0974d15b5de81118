import type * as grpc from '@grpc/grpc-js'
import { randomBytes } from 'node:crypto'
import { parseTraceparent, type TraceContext } from '../../core/protocol/trace-context.js'

/** Metadata asking for one operation's spans without a context of the caller's: `tm-trace: 1`. */
export const TRACE_ASK = 'tm-trace'
/** Trailing metadata of a recorded operation's reply: its trace id, for a caller that sent none. */
export const TRACE_ID_TRAILER = 'tm-trace-id'

/**
 * The caller's trace context from a call's metadata: its W3C `traceparent` (the sampled flag asks for the
 * operation's spans), or for `tm-trace: 1` alone a fresh sampled context whose span stands for the caller. Undefined
 * when the call carries neither: the common case, which costs two lookups.
 */
export function callerTrace(metadata: grpc.Metadata): TraceContext | undefined {
  const asked = metadata.get(TRACE_ASK)
  const parents = metadata.get('traceparent')
  if (asked.length === 0 && parents.length === 0) return undefined
  const ask = asked.length > 0 && String(asked[0]) === '1'
  // The core's W3C parser, not OpenTelemetry's propagator: its modules would cost every node start ~0.1 s.
  const span = parents.length === 0 ? undefined : parseTraceparent(String(parents[0]).trim())
  if (span !== undefined) return { ...span, sampled: ask || span.sampled }
  if (!ask) return undefined
  return { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), sampled: true }
}
