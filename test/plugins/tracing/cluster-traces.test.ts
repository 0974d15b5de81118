import * as grpc from '@grpc/grpc-js'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace'
import test from 'ava'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  InvalidArgumentError,
  type LocalCluster,
  startLocalCluster,
  type TokenManagerClient,
  type TraceSpan,
} from '../../../src/index.js'
import { loadTokenManagerPackage } from '../../../src/plugins/grpc/proto.js'
import { OtlpSpanSink } from '../../../src/plugins/tracing/otlp-span-sink.js'

/*
 * Traces on a local cluster of three nodes over gRPC: the client asks for one operation's trace, every node
 * records its part, and TraceSpans gives each node's spans back. The OpenTelemetry conversion is checked on
 * the same spans through an in-memory exporter.
 */

let cluster: LocalCluster
let client: TokenManagerClient

test.before(async () => {
  cluster = await startLocalCluster({ nodes: 3, tokens: ['T', 'U'] })
  client = cluster.client()
})

test.after.always(async () => {
  await cluster?.close()
})

/** Every node's spans of one trace, once the late replicas have recorded theirs. */
async function spansOf(traceId: string): Promise<TraceSpan[]> {
  await sleep(100)
  const nodes = await client.traceOf(traceId, cluster.nodes)
  return nodes.flatMap((n) => (n.ok ? n.spans : []))
}

const named = (spans: readonly TraceSpan[], name: string): TraceSpan[] => spans.filter((s) => s.name === name)

test.serial(
  'a read traced by the client is one trace across the three nodes, each replica under its round',
  async (t) => {
    await client.write('T', { name: 'x', low: 0n, mid: 10n, high: 100n })
    await client.read('T')
    const reader = cluster.nodes[1]!
    const read = await client.read('T', { node: reader, trace: true })
    t.regex(read.traceId!, /^[0-9a-f]{32}$/)
    const spans = await spansOf(read.traceId!)
    t.true(spans.every((s) => s.traceId === read.traceId))
    const [op] = named(spans, 'read')
    t.is(op!.node, reader)
    t.is(op!.attributes['tm.outcome'], 'ok')
    const [query] = named(spans, 'query')
    t.is(query!.parentSpanId, op!.spanId)
    t.deepEqual([...(query!.attributes['tm.asked'] as string[])].sort(), [...cluster.nodes].sort())
    t.is(query!.attributes['tm.end'], 'quorum')
    t.true(query!.events.length >= 2, 'a read quorum of replies, each with its version')
    t.true(query!.events.every((e) => e.attributes.version?.startsWith('1.')))
    const served = named(spans, 'serve')
    t.true(served.length >= 1)
    t.true(served.every((s) => s.parentSpanId === query!.spanId && s.node !== reader))
  },
)

test.serial('a traced write shows learn or write phases, hashing, the replicas asked and their answers', async (t) => {
  const written = await client.write('U', { name: 'y', low: 0n, mid: 1000n, high: 2000n }, { trace: true })
  const spans = await spansOf(written.traceId!)
  const phases = spans.filter((s) => s.node === written.servedBy && s.name !== 'write').map((s) => s.name)
  t.true(phases.includes('hash'), phases.join(','))
  const [store] = spans.filter((s) => s.name === 'write' && s.attributes['tm.phase'] === 'write')
  t.is(store!.attributes['tm.end'], 'quorum')
  t.true(store!.events.length >= 2)
  t.true(named(spans, 'serve').some((s) => String(s.attributes['tm.detail']).startsWith('store')))
  const [hash] = named(spans, 'hash')
  t.regex(String(hash!.attributes['tm.detail']), /1000 values/)
})

test.serial('a read of a value without its final shows the hash and the impose', async (t) => {
  await client.write('T', { name: 'z', low: 0n, mid: 10n, high: 500n })
  const read = await client.read('T', { node: cluster.nodes[2]!, trace: true })
  const names = (await spansOf(read.traceId!)).map((s) => s.name)
  t.true(names.includes('impose'), names.join(','))
  t.true(names.includes('hash'))
})

test.serial('a reader holding a lease answers locally: the trace shows a local phase and no round', async (t) => {
  const reader = cluster.nodes[2]!
  let names: string[] = []
  // The lease comes with the reads before: ask until one is served under it.
  for (let attempt = 0; attempt < 20 && !names.includes('local'); attempt++) {
    const read = await client.read('T', { node: reader, trace: true })
    names = (await spansOf(read.traceId!)).map((s) => s.name)
  }
  t.true(names.includes('local'), names.join(','))
  t.false(names.includes('query'))
})

test.serial('an operation nobody traces is recorded nowhere; RecentOperations lists it without a trace', async (t) => {
  const node = cluster.nodes[0]!
  const read = await client.read('T', { node })
  t.is(read.traceId, undefined)
  const recent = await client.recentOperations(node, { limit: 5, token: 'T' })
  t.like(recent[0], { id: 'T', kind: 'read', outcome: 'ok', traceId: undefined })
  t.true(recent.length <= 5)
  const traced = await client.read('T', { node, trace: true })
  const [latest] = await client.recentOperations(node, { limit: 1 })
  t.is(latest!.traceId, traced.traceId)
  t.true(Math.abs(latest!.startMs - Date.now()) < 60_000, 'start in Unix ms')
})

test.serial('TraceSpans refuses a malformed trace id and answers an unknown one with no spans', async (t) => {
  await t.throwsAsync(client.traceSpans(cluster.nodes[0]!, 'not-hex'), { instanceOf: InvalidArgumentError })
  t.deepEqual(await client.traceSpans(cluster.nodes[0]!, 'f'.repeat(32)), [])
})

test.serial('tm-trace: 1 metadata alone asks for a trace; the reply trailer names it', async (t) => {
  const Service = loadTokenManagerPackage().TokenService
  const raw = new Service(cluster.nodes[0]!, grpc.credentials.createInsecure())
  t.teardown(() => raw.close())
  const metadata = new grpc.Metadata()
  metadata.set('tm-trace', '1')
  const traceId = await new Promise<string>((resolve, reject) => {
    type Read = (request: object, metadata: grpc.Metadata, done: (error: Error | null) => void) => grpc.ClientUnaryCall
    const read = (raw as unknown as { Read: Read }).Read.bind(raw)
    const call = read({ id: 'T' }, metadata, (error) => {
      if (error !== null) reject(error)
    })
    call.on('status', (status: grpc.StatusObject) => resolve(String(status.metadata.get('tm-trace-id')[0])))
  })
  t.regex(traceId, /^[0-9a-f]{32}$/)
  t.true(named(await spansOf(traceId), 'read').length === 1)
})

test.serial('the spans convert to OpenTelemetry spans with their ids, parents and reply events', async (t) => {
  const read = await client.read('T', { node: cluster.nodes[1]!, trace: true })
  const spans = await spansOf(read.traceId!)
  const exporter = new InMemorySpanExporter()
  const processor = new SimpleSpanProcessor({ exporter })
  const sink = new OtlpSpanSink('test', processor)
  for (const span of spans) sink.export(span)
  // Not close(): shutting the exporter down empties it.
  await processor.forceFlush()
  const exported = exporter.getFinishedSpans()
  t.is(exported.length, spans.length)
  for (const span of exported) {
    const ours = spans.find((s) => s.spanId === span.spanContext().spanId)!
    t.is(span.spanContext().traceId, read.traceId!)
    t.is(span.parentSpanContext?.spanId, ours.parentSpanId)
    t.is(span.events.length, ours.events.length)
  }
})

test.serial('tracing otlp exports every operation to the endpoint as OTLP/protobuf', async (t) => {
  const bodies: Buffer[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks))
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as { port: number }).port
  const endpoint = `http://127.0.0.1:${port}/v1/traces`
  const exporting = await startLocalCluster({
    nodes: 3,
    tokens: ['E'],
    settings: { tracing: { kind: 'otlp', endpoint, exportDelayMs: 20 } },
  })
  t.teardown(() => exporting.close())
  const otlpClient = exporting.client()
  await otlpClient.write('E', { name: 'e', low: 0n, mid: 5n, high: 10n })
  const [recent] = await otlpClient.recentOperations(exporting.nodes[0]!, { limit: 1 })
  t.truthy(recent!.traceId, 'recorded without the caller asking')
  for (let i = 0; i < 50 && !bodies.some((b) => b.includes(Buffer.from(recent!.traceId!, 'hex'))); i++) await sleep(20)
  t.true(
    bodies.some((b) => b.includes(Buffer.from(recent!.traceId!, 'hex'))),
    'the trace id went out in a batch',
  )
})
