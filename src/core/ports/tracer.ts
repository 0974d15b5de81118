import type { PhaseEvent } from '../protocol/outbox.js'
import type { TraceContext } from '../protocol/trace-context.js'
import type { OperationType } from './metrics.js'

/** A recorded operation's span context, and the caller's span it continues when the caller sent one. */
export interface OperationTrace extends TraceContext {
  readonly parentSpanId?: string
}

/** A recorded client operation that ended at this node (node clock). */
export interface OperationEnd {
  readonly token: string
  readonly type: OperationType
  readonly startMs: number
  readonly endMs: number
  /** 'ok' or the error code. */
  readonly outcome: string
  readonly error?: string
  readonly trace: OperationTrace
}

/** A timed event inside a span: a reply to a round (who, which version). */
export interface SpanEventRecord {
  readonly name: string
  readonly timeMs: number
  readonly attributes: Readonly<Record<string, string>>
}

/** A finished span as plain data, times in Unix ms: what TraceSpans returns and what an exporter converts. */
export interface SpanRecord {
  readonly traceId: string
  readonly spanId: string
  /** Undefined for a root: an operation no caller sent a context for. */
  readonly parentSpanId: string | undefined
  /** 'read', 'write', ... for an operation; the phase for a phase ('query', 'hash', 'serve', ...). */
  readonly name: string
  readonly node: string
  readonly startMs: number
  readonly endMs: number
  readonly attributes: Readonly<Record<string, string | readonly string[]>>
  readonly events: readonly SpanEventRecord[]
  /** Set when the span ended in failure: why. */
  readonly error?: string
}

/**
 * Turns what the node reports (operations and their phases, as plain data) into spans. The driver calls it on
 * its hot path, so every method is synchronous, never throws and never blocks; an implementation that records
 * nothing for an operation must cost nothing for it: `begin` returns undefined without allocating, and the
 * other methods are then never called for that operation.
 */
export interface Tracer {
  /**
   * Called once per client operation as it arrives, with the caller's context if it sent one. Returns the
   * operation's span context when the operation is to be recorded (the caller asked for it, or the tracer records
   * everything), else undefined. Post: a returned context has a fresh span id, the caller's trace id when it sent
   * one (else a fresh one), `sampled` true, and `parentSpanId` the caller's span.
   */
  begin(parent: TraceContext | undefined): OperationTrace | undefined
  /**
   * A phase with `span` set ended: one of this node's recorded operations', or this replica's part in another
   * node's ('serve'). `sentMs` (node clock) is when the step's effects were carried out, after its saves were
   * durable: a 'serve' span ends then, as its answer leaves.
   */
  phase(event: PhaseEvent, sentMs: number): void
  /** A recorded operation ended (after its phases). */
  operation(end: OperationEnd): void
  /** The spans this node keeps of one trace (a bounded ring: the oldest traces go first), oldest first. */
  spans(traceId: string): readonly SpanRecord[]
  /** The node stops: export what is queued, then release what the tracer holds. */
  close?(): Promise<void>
}

export const Tracer = Symbol('Tracer')

/** Records nothing, even when a caller asks: hand-built drivers and simulations. */
export const NO_TRACER: Tracer = Object.freeze({
  begin: () => undefined,
  phase: () => {},
  operation: () => {},
  spans: () => [],
})
