import { Metadata } from '@grpc/grpc-js'
import { ROOT_CONTEXT, type TextMapGetter, type TextMapSetter, TraceFlags, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import test from 'ava'
import { callTrace } from '../../../src/client/call-trace.js'
import { callerTrace } from '../../../src/plugins/grpc/caller-trace.js'

/*
 * The client and the node read and write W3C traceparent with the core's small parser rather than load
 * OpenTelemetry's modules at every start; OpenTelemetry's own propagator is the oracle that they agree with it.
 */

const propagator = new W3CTraceContextPropagator()
const getter: TextMapGetter<Metadata> = {
  get: (metadata, key) => {
    const values = metadata.get(key)
    return values.length === 0 ? undefined : values.map(String)
  },
  keys: (metadata) => Object.keys(metadata.getMap()),
}
const setter: TextMapSetter<Metadata> = { set: (metadata, key, value) => metadata.set(key, value) }

test('the traceparent the client sends is the one OpenTelemetry reads: same ids, sampled', (t) => {
  const call = callTrace(true)!
  const read = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, call.metadata, getter))
  t.is(read?.traceId, call.traceId)
  t.is(read?.traceFlags, TraceFlags.SAMPLED)
  t.is(callTrace(false), undefined)
})

test("the node reads OpenTelemetry's traceparent, sampled or not, and ignores what OpenTelemetry rejects", (t) => {
  for (const traceFlags of [TraceFlags.SAMPLED, TraceFlags.NONE]) {
    const metadata = new Metadata()
    const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags }
    propagator.inject(trace.setSpanContext(ROOT_CONTEXT, span), metadata, setter)
    t.deepEqual(callerTrace(metadata), {
      traceId: span.traceId,
      spanId: span.spanId,
      sampled: traceFlags === TraceFlags.SAMPLED,
    })
  }
  for (const bad of [
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    'garbage',
  ]) {
    const metadata = new Metadata()
    metadata.set('traceparent', bad)
    t.is(trace.getSpanContext(propagator.extract(ROOT_CONTEXT, metadata, getter)), undefined, bad)
    t.is(callerTrace(metadata), undefined, bad)
  }
})
