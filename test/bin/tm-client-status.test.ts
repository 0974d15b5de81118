import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import { runClient } from '../support/run-client.js'

/*
 * `tm-client status --config`: every node of the scheme, against fake AdminService servers on 127.0.0.1 port 0
 * (canned Status replies, or none at all) plus a dead address.
 */

interface FakeAdmin {
  readonly address: string
  stop(): void
}

/** Answers Status with `reply`, or never answers when `reply` is 'hang'. */
async function startFakeAdmin(reply: object | 'hang'): Promise<FakeAdmin> {
  const server = new grpc.Server()
  server.addService(loadTokenManagerPackage().AdminService.service, {
    FailSilent: (_call: unknown, callback: grpc.sendUnaryData<object>) => callback({ code: grpc.status.UNIMPLEMENTED }),
    Status: (_call: unknown, callback: grpc.sendUnaryData<object>) => {
      if (reply !== 'hang') callback(null, reply)
    },
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    )
  })
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() }
}

/** An address where nothing listens: a fake node's, right after it stopped. */
async function deadAddress(): Promise<string> {
  const node = await startFakeAdmin({})
  node.stop()
  return node.address
}

/** A scheme with token `a` (writer, readers) and token `b` written by the first reader. */
function schemeFile(writer: string, readers: readonly string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tm-client-status-')), 'tokens.yaml')
  const list = `[${readers.map((r) => `'${r}'`).join(', ')}]`
  writeFileSync(
    file,
    `- token: a\n  writer: '${writer}'\n  readers: ${list}\n- token: b\n  writer: '${readers[0]}'\n  readers: ${list}\n`,
  )
  return file
}

function statusReply(node: string, version: string, fingerprint = 'f00'): object {
  const token = {
    id: 'a',
    roles: ['reader'],
    silent: false,
    state: { version: { seq: version, epoch: '9' }, value: { token: {} } },
    pending: 0,
    replicas: 3,
    read_quorum: 2,
    write_quorum: 2,
    writer: 'w',
    readers: ['r'],
  }
  return {
    node,
    tokens: [token, { ...token, id: 'b', roles: ['writer'], silent: true, pending: 4, state: null }],
    scheme_fingerprint: fingerprint,
    ignored_replies: '18446744073709551615',
  }
}

async function cluster(t: {
  teardown(fn: () => void): void
}): Promise<{ nodes: FakeAdmin[]; dead: string; config: string }> {
  const live = [await startFakeAdmin(statusReply('x', '7')), await startFakeAdmin(statusReply('y', '8'))]
  t.teardown(() => {
    for (const n of live) n.stop()
  })
  const dead = await deadAddress()
  const [first, second] = live.map((n) => n.address) as [string, string]
  return { nodes: live, dead, config: schemeFile(first, [second, dead]) }
}

test.serial(
  'status --config lists every node of the scheme; a dead one is unreachable and the exit code is 7',
  async (t) => {
    const { nodes, dead, config } = await cluster(t)
    const run = await runClient(['status', '--config', config, '--timeout', '2000'])
    t.is(run.exitCode, 7, run.stderr)
    for (const node of nodes) t.regex(run.stdout, new RegExp(`^${node.address} .*scheme f00`, 'm'))
    t.regex(run.stdout, new RegExp(`^${dead}  unreachable \\(.*ECONNREFUSED.*\\)$`, 'm'))
    t.regex(run.stdout, /^a +reader +7 +written +no +0 +3 +2\/2 +no +no +- +0 +no$/m)
    t.regex(run.stdout, /^b +writer +- +- +yes +4 +3 +2\/2 +no +- +- +0 +no$/m)
    t.is(run.stderr, 'tm-client: 1 of 3 nodes did not answer\n')
  },
)

test.serial('status --config --json has one entry per node, uint64 as strings', async (t) => {
  const { nodes, dead, config } = await cluster(t)
  const run = await runClient(['status', '--config', config, '--json'])
  t.is(run.exitCode, 7)
  const { nodes: entries } = JSON.parse(run.stdout) as {
    nodes: { node: string; ok: boolean; [key: string]: unknown }[]
  }
  t.deepEqual(entries.map((e) => e.node).sort(), [...nodes.map((n) => n.address), dead].sort())
  const deadEntry = entries.find((e) => e.node === dead)
  t.like(deadEntry, { ok: false })
  t.regex(String(deadEntry?.error), /ECONNREFUSED/)
  t.like(
    entries.find((e) => e.node === nodes[0]?.address),
    {
      ok: true,
      reported_node: 'x',
      scheme_fingerprint: 'f00',
      ignored_replies: '18446744073709551615',
      tokens: [
        { id: 'a', version: '7', epoch: '9' },
        { id: 'b', version: null },
      ],
    },
  )
})

test.serial(
  'status --config exits 0 when every node answers, and names a node that hangs past --timeout',
  async (t) => {
    const [a, b] = [await startFakeAdmin(statusReply('a', '1')), await startFakeAdmin(statusReply('b', '1', 'other'))]
    const silent = await startFakeAdmin('hang')
    t.teardown(() => {
      for (const n of [a, b, silent]) n.stop()
    })
    const all = await runClient(['status', '--config', schemeFile(a.address, [b.address])])
    t.is(all.exitCode, 0, all.stderr)
    t.regex(all.stdout, /warning: the nodes run different schemes/)
    const started = Date.now()
    const hung = await runClient(['status', '--config', schemeFile(a.address, [silent.address]), '--timeout', '200'])
    t.is(hung.exitCode, 7)
    t.true(Date.now() - started < 3000)
    t.regex(hung.stdout, new RegExp(`^${silent.address}  unreachable \\(no answer within 200 ms\\)$`, 'm'))
  },
)

test.serial('status needs exactly one of --server and --config', async (t) => {
  const none = await runClient(['status'])
  t.is(none.exitCode, 2)
  t.is(
    none.stderr,
    'tm-client: status needs --server; give --server <host:port> for one node, ' +
      'or --config <tokens.yaml> for every node of the scheme\n',
  )
  const both = await runClient(['status', '--server', '127.0.0.1:1', '--config', 'tokens.yaml'])
  t.is(both.exitCode, 2)
  t.is(both.stderr, 'tm-client: status takes --server or --config, not both\n')
})
