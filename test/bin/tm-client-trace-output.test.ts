import test from 'ava'
import type { NodeTraceSpans } from '../../src/client/token-manager-client.js'
import type { TraceSpan } from '../../src/client/trace-results.js'
import { traceJson, traceText } from '../../src/bin/client/trace-output.js'

const T = 'ab'.repeat(16)

function span(
  spanId: string,
  parentSpanId: string | undefined,
  name: string,
  node: string,
  startMs: number,
  endMs: number,
  attributes: Record<string, string | string[]> = {},
  events: TraceSpan['events'] = [],
): TraceSpan {
  return { traceId: T, spanId, parentSpanId, name, node, startMs, endMs, attributes, events, error: undefined }
}

const read = span('1'.repeat(16), 'c'.repeat(16), 'read', 'n2', 1000, 1003, { 'tm.outcome': 'ok' })
const query = span(
  '2'.repeat(16),
  read.spanId,
  'query',
  'n2',
  1000.5,
  1002,
  { 'tm.end': 'quorum', 'tm.asked': ['n1', 'n2', 'n3'] },
  [
    { name: 'reply', timeMs: 1000.5, attributes: { from: 'n2', version: '3.1' } },
    { name: 'reply', timeMs: 1001.9, attributes: { from: 'n1', version: '3.1' } },
  ],
)
const served = span('3'.repeat(16), query.spanId, 'serve', 'n1', 1001, 1001.5, {
  'tm.end': 'answered',
  'tm.detail': 'query: answered v3',
})
const nodes: NodeTraceSpans[] = [
  { node: 'n1', ok: true, spans: [served] },
  { node: 'n2', ok: true, spans: [query, read] },
  { node: 'n3', ok: false, error: new Error('no answer') },
]

test('the trace prints as one tree: indentation by parent, node, offset, duration, why it ended, asked and replies', (t) => {
  t.is(
    traceText(T, nodes),
    [
      `trace ${T}  (3 spans from 2 nodes)`,
      'read  n2  +0.0 ms  3.0 ms  ok',
      '  query  n2  +0.5 ms  1.5 ms  quorum  asked n1, n2, n3',
      '      reply from n2  v3.1  +0.5 ms',
      '      reply from n1  v3.1  +1.9 ms',
      '    serve  n1  +1.0 ms  0.5 ms  answered  query: answered v3',
      'n3: not asked for its spans (no answer)',
      '',
    ].join('\n'),
  )
})

test('with --json the same tree is nested objects, and a node that failed says why', (t) => {
  const json = traceJson(T, nodes) as {
    tree: { name: string; children: { name: string; replies: unknown[]; children: { node: string }[] }[] }[]
    nodes: unknown[]
  }
  t.is(json.tree.length, 1)
  t.is(json.tree[0]!.name, 'read')
  t.is(json.tree[0]!.children[0]!.name, 'query')
  t.deepEqual(json.tree[0]!.children[0]!.replies[1], { from: 'n1', version: '3.1', time_unix_ms: 1001.9 })
  t.is(json.tree[0]!.children[0]!.children[0]!.node, 'n1')
  t.deepEqual(json.nodes[2], { node: 'n3', ok: false, error: 'no answer' })
})
