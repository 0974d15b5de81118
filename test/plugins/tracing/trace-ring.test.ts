import test from 'ava'
import type { SpanRecord } from '../../../src/core/ports/tracer.js'
import { TraceRing } from '../../../src/plugins/tracing/trace-ring.js'

function span(trace: number, n: number): SpanRecord {
  return {
    traceId: trace.toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    parentSpanId: undefined,
    name: 'read',
    node: 'n:1',
    startMs: n,
    endMs: n + 1,
    attributes: {},
    events: [],
  }
}

test('the ring keeps at most maxTraces traces: the trace that came first leaves first', (t) => {
  const ring = new TraceRing({ maxTraces: 3, maxSpans: 100, maxSpansPerTrace: 10 })
  for (let trace = 1; trace <= 5; trace++) ring.add(span(trace, trace))
  t.is(ring.traceCount, 3)
  t.deepEqual(ring.spans(span(1, 0).traceId), [])
  t.deepEqual(ring.spans(span(2, 0).traceId), [])
  t.is(ring.spans(span(5, 0).traceId).length, 1)
})

test('the ring keeps at most maxSpans spans in all, and one trace at most its share', (t) => {
  const ring = new TraceRing({ maxTraces: 100, maxSpans: 10, maxSpansPerTrace: 4 })
  for (let n = 0; n < 6; n++) ring.add(span(1, n))
  t.is(ring.spans(span(1, 0).traceId).length, 4)
  t.is(ring.dropped, 2)
  for (let trace = 2; trace <= 20; trace++) for (let n = 0; n < 3; n++) ring.add(span(trace, n))
  t.true(ring.size <= 10, `${ring.size} spans kept`)
  t.is(ring.spans(span(20, 0).traceId).length, 3, 'the newest trace is whole')
  t.deepEqual(ring.spans(span(1, 0).traceId), [], 'the oldest went')
})

test('a ring whose per-trace share exceeds the whole is refused', (t) => {
  t.throws(() => new TraceRing({ maxTraces: 1, maxSpans: 2, maxSpansPerTrace: 3 }), { instanceOf: RangeError })
})
