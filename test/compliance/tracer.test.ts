import test from 'ava'
import { NO_TRACER, type Tracer } from '../../src/core/ports/tracer.js'
import type { PhaseEvent } from '../../src/core/protocol/outbox.js'
import { RecordingTracer } from '../../src/plugins/tracing/recording-tracer.js'
import { TraceRing } from '../../src/plugins/tracing/trace-ring.js'

/*
 * The Tracer port's contract, run on every implementation: an operation nobody asked about and that the tracer
 * does not record on its own gets no context; a sampled caller's context is continued (same trace, fresh span,
 * the caller's span as parent) unless the tracer records nothing at all; what is recorded comes back from
 * spans(traceId), the operation's span parent of its phases'.
 */

const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true }

interface Case {
  readonly name: string
  readonly make: () => Tracer
  /** Whether it records a caller's sampled operation (NO_TRACER never does). */
  readonly records: boolean
  /** Whether it records operations no caller asked about. */
  readonly recordsAll: boolean
}

const CASES: readonly Case[] = [
  { name: 'no-op', make: () => NO_TRACER, records: false, recordsAll: false },
  {
    name: 'recording, off',
    make: () => new RecordingTracer({ node: 'n:1', wallOffsetMs: 1e12, ratio: 0, ring: new TraceRing() }),
    records: true,
    recordsAll: false,
  },
  {
    name: 'recording, every operation',
    make: () => new RecordingTracer({ node: 'n:1', wallOffsetMs: 1e12, ratio: 1, ring: new TraceRing() }),
    records: true,
    recordsAll: true,
  },
]

for (const c of CASES) {
  test(`${c.name}: an operation without a caller's context is recorded only by a tracer that records all`, (t) => {
    const tracer = c.make()
    const trace = tracer.begin(undefined)
    t.is(trace !== undefined, c.recordsAll)
    if (trace === undefined) return
    t.regex(trace.traceId, /^[0-9a-f]{32}$/)
    t.regex(trace.spanId, /^[0-9a-f]{16}$/)
    t.is(trace.parentSpanId, undefined)
  })

  test(`${c.name}: a caller's unsampled context is not recorded`, (t) => {
    t.is(c.make().begin({ ...caller, sampled: false }), undefined)
  })

  test(`${c.name}: a sampled caller continues its trace, and the spans come back parent first`, (t) => {
    const tracer = c.make()
    const trace = tracer.begin(caller)
    t.is(trace !== undefined, c.records)
    if (trace === undefined) return t.deepEqual(tracer.spans(caller.traceId), [])
    t.is(trace.traceId, caller.traceId)
    t.is(trace.parentSpanId, caller.spanId)
    t.not(trace.spanId, caller.spanId)
    const phase: PhaseEvent = {
      token: 'T',
      phase: 'query',
      startMs: 5,
      durationMs: 2,
      end: 'quorum',
      asked: ['a:1', 'b:1'],
      replies: [{ from: 'b:1', ts: { seq: 3n, epoch: 1n }, value: { kind: 'empty' }, atMs: 6 }],
      span: { traceId: trace.traceId, parentSpanId: trace.spanId, spanId: 'aaaaaaaa00000001' },
    }
    tracer.phase(phase, 8)
    tracer.operation({ token: 'T', type: 'read', startMs: 4, endMs: 8, outcome: 'ok', trace })
    const spans = tracer.spans(caller.traceId)
    t.deepEqual(
      spans.map((s) => [s.name, s.parentSpanId]),
      [
        ['query', trace.spanId],
        ['read', caller.spanId],
      ],
    )
    t.is(spans[0]!.spanId, 'aaaaaaaa00000001')
    t.is(spans[0]!.endMs - spans[0]!.startMs, 2)
    t.deepEqual(spans[0]!.events[0]!.attributes, { from: 'b:1', version: '3.1' })
    t.deepEqual(spans[0]!.attributes['tm.asked'], ['a:1', 'b:1'])
  })
}
