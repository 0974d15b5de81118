import test from 'ava'
import { nodeOperationsFeed } from '../../../src/bin/web/node-operations-feed.js'
import type { TokenManagerClient } from '../../../src/client/token-manager-client.js'
import { schemeOf } from '../../../src/plugins/yaml-config/scheme-file.js'

const NODES = ['127.0.0.1:1', '127.0.0.1:2']
const scheme = schemeOf([{ token: 't', writer: NODES[0]!, readers: NODES }])

/** A client whose first node lists `count` traced operations and whose nodes answer every trace with one span. */
function stubClient(count: number, down: string | undefined) {
  const asked: string[] = []
  const client = {
    recentOperations: async (node: string) => {
      if (node === down) throw new Error('unavailable')
      if (node !== NODES[0]) return []
      return Array.from({ length: count }, (_, i) => ({
        id: 't',
        kind: 'write',
        startMs: 1_000 + i,
        durationMs: 1.23456,
        outcome: 'ok',
        traceId: `trace-${i}`,
      }))
    },
    traceOf: async (traceId: string, nodes: readonly string[]) => {
      asked.push(traceId)
      return nodes.map((node) => ({
        node,
        ok: true,
        spans: [{ name: 'write', node, startMs: 0, endMs: 2.5 }],
      }))
    },
  }
  return { client: client as unknown as TokenManagerClient, asked }
}

test('the feed lists the newest operations first and fetches at most 8 new traces per poll, each once', async (t) => {
  const { client, asked } = stubClient(30, undefined)
  const feed = nodeOperationsFeed(client, scheme, 1_000)
  const first = await feed()
  t.is(first.length, 30)
  t.is(first[0]!.startedAtMs, 1_029)
  t.is(first[0]!.durationMs, 1.2)
  t.is(asked.length, 8)
  t.deepEqual(
    first[0]!.spans.map((s) => s.node),
    NODES,
    "a trace's spans come from every replica of its token",
  )
  t.is(first[29]!.spans.length, 0, 'not fetched yet')
  await feed()
  t.is(asked.length, 16)
  t.is(new Set(asked).size, 16, 'a trace already fetched is not asked again')
})

test('a node that does not answer lists nothing; the others still do', async (t) => {
  const { client } = stubClient(3, NODES[1])
  t.is((await nodeOperationsFeed(client, scheme, 1_000)()).length, 3)
  const { client: allDown } = stubClient(3, NODES[0])
  t.deepEqual(await nodeOperationsFeed(allDown, scheme, 1_000)(), [])
})
