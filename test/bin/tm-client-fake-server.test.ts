import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReadCommand } from '../../src/bin/client/read-command.js'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import { repoRoot } from '../support/repo-root.js'
import { runClient, withTestDefaults } from '../support/run-client.js'
import type { ClientRun } from '../support/run-client.js'

/*
 * tm-client against fake nodes: grpc-js servers on 127.0.0.1 port 0 whose handlers return canned replies or
 * errors, or never answer. No real register behind them: these tests pin down what the client sends, prints
 * and exits with.
 */

type Method = 'Create' | 'Drop' | 'Write' | 'Read' | 'FailSilent' | 'Status'
type Behaviour = { reply: object } | { error: grpc.status; details?: string } | 'hang'

interface FakeNode {
  readonly address: string
  readonly calls: { method: Method; request: Record<string, unknown> }[]
  stop(): void
}

async function startFakeNode(behaviours: Partial<Record<Method, Behaviour>>): Promise<FakeNode> {
  const calls: FakeNode['calls'] = []
  const handler =
    (method: Method): grpc.handleUnaryCall<Record<string, unknown>, object> =>
    (call, callback) => {
      calls.push({ method, request: call.request })
      const behaviour = behaviours[method]
      if (behaviour === 'hang') return
      if (behaviour === undefined) callback({ code: grpc.status.UNIMPLEMENTED, details: `fake: no ${method}` })
      else if ('error' in behaviour) callback({ code: behaviour.error, details: behaviour.details ?? '' })
      else callback(null, behaviour.reply)
    }
  const pkg = loadTokenManagerPackage()
  const server = new grpc.Server()
  server.addService(pkg.TokenService.service, {
    Create: handler('Create'),
    Drop: handler('Drop'),
    Write: handler('Write'),
    Read: handler('Read'),
  })
  server.addService(pkg.AdminService.service, { FailSilent: handler('FailSilent'), Status: handler('Status') })
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    )
  })
  // forceShutdown: a hanging handler would keep tryShutdown waiting forever.
  return { address: `127.0.0.1:${port}`, calls, stop: () => server.forceShutdown() }
}

/** An address where nothing listens: a fake node's, right after it stopped. */
let deadPorts = 0

/**
 * An address where nothing listens: a privileged port (below 9, the writer the schemes name). A port freed by a
 * stopped server was handed to a fake node of another test running at the same time, whose replies then made a
 * read "succeed"; tests bind port 0, which the kernel picks far above these.
 */
async function deadAddress(): Promise<string> {
  deadPorts = (deadPorts % 8) + 1
  return `127.0.0.1:${deadPorts}`
}

/** A scheme file with one token `t`: its writer and readers. */
function schemeFile(writer: string, readers: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tm-client-'))
  const file = join(dir, 'tokens.yaml')
  writeFileSync(file, `- token: t\n  writer: '${writer}'\n  readers: [${readers.map((r) => `'${r}'`).join(', ')}]\n`)
  return file
}

const MAX = '18446744073709551615'
const VERSION = { seq: '2', epoch: '1700000000000' }

function readReply(servedBy: string): object {
  return {
    id: 't',
    written: true,
    name: 'alice',
    low: '0',
    mid: '10',
    high: MAX,
    partial: { nonce: '3', hash: '77' },
    final: { nonce: '12', hash: '5' },
    version: VERSION,
    writer: 'w:1',
    readers: ['r:1', 'r:2'],
    served_by: servedBy,
  }
}

/** Keeps the scheme's reader order: the Fisher-Yates shuffle swaps nothing when random() is just below 1. */
const inSchemeOrder = (command: unknown): void => {
  ;(command as ReadCommand).random = () => 0.999
}

function isOneLine(run: ClientRun): boolean {
  return run.stderr.endsWith('\n') && run.stderr.split('\n').length === 2
}

// ---- writer-side commands -----------------------------------------------------------------------------------

test("write goes to the scheme's writer with exact uint64 strings and prints partial, version, served_by", async (t) => {
  const writer = await startFakeNode({
    Write: { reply: { id: 't', partial: { nonce: '42', hash: MAX }, version: VERSION, served_by: 'W' } },
  })
  t.teardown(() => writer.stop())
  const config = schemeFile(writer.address, ['127.0.0.1:9'])
  const args = [
    'write',
    '--config',
    config,
    '--id',
    't',
    '--name',
    'alice',
    '--low',
    '0',
    '--mid',
    '18446744073709551614',
    '--high',
    MAX,
  ]
  const human = await runClient(args)
  t.is(human.exitCode, 0, human.stderr)
  t.is(human.stdout, `id         t\npartial    nonce 42 hash ${MAX}\nversion    2\nserved_by  W\n`)
  t.deepEqual(writer.calls[0], {
    method: 'Write',
    request: { id: 't', name: 'alice', low: '0', mid: '18446744073709551614', high: MAX },
  })
  const json = await runClient([...args, '--json'])
  t.deepEqual(JSON.parse(json.stdout), {
    id: 't',
    partial: { nonce: '42', hash: MAX },
    version: '2',
    epoch: '1700000000000',
    served_by: 'W',
  })
  t.is(json.stderr, '')
})

test('a write that hits the client deadline has an unknown outcome: exit 3', async (t) => {
  const writer = await startFakeNode({ Write: 'hang' })
  t.teardown(() => writer.stop())
  const started = Date.now()
  const run = await runClient([
    'write',
    '--server',
    writer.address,
    '--id',
    't',
    '--name',
    'n',
    '--low',
    '0',
    '--mid',
    '1',
    '--high',
    '2',
    '--timeout',
    '200',
  ])
  t.is(run.exitCode, 3)
  t.true(Date.now() - started < 3000)
  t.is(
    run.stderr,
    `tm-client: outcome unknown: the write may or may not have taken effect (no confirmation from ${writer.address} ` +
      'within 200 ms); read the token to find out\n',
  )
  t.is(run.stdout, '')
})

test('a DEADLINE_EXCEEDED from the writer itself is an unknown outcome too, for create and drop alike', async (t) => {
  const writer = await startFakeNode({
    Drop: { error: grpc.status.DEADLINE_EXCEEDED, details: 'no write quorum within 5000 ms' },
    Create: { error: grpc.status.DEADLINE_EXCEEDED },
  })
  t.teardown(() => writer.stop())
  const drop = await runClient(['drop', '--server', writer.address, '--id', 't', '--json'])
  t.is(drop.exitCode, 3)
  t.is(
    drop.stderr,
    'tm-client: outcome unknown: the drop may or may not have taken effect ' +
      `(${writer.address}: no write quorum within 5000 ms); read the token to find out\n`,
  )
  t.like(JSON.parse(drop.stdout).error, { status: 'OUTCOME_UNKNOWN', exit_code: 3 })
  const create = await runClient(['create', '--server', writer.address, '--id', 't'])
  t.is(create.exitCode, 3)
  t.regex(create.stderr, /the create may or may not have taken effect/)
})

test('create and drop print version and serving node', async (t) => {
  const writer = await startFakeNode({
    Create: { reply: { id: 't', version: { seq: '1', epoch: '9' }, served_by: 'W' } },
    Drop: { reply: { id: 't', version: { seq: '5', epoch: '9' }, served_by: 'W' } },
  })
  t.teardown(() => writer.stop())
  const config = schemeFile(writer.address, ['127.0.0.1:9'])
  const create = await runClient(['create', '--config', config, '--id', 't'])
  t.is(create.stdout, 'created token t: version 1, served_by W\n')
  const drop = await runClient(['drop', '--config', config, '--id', 't', '--json'])
  t.deepEqual(JSON.parse(drop.stdout), { id: 't', version: '5', epoch: '9', served_by: 'W' })
  t.deepEqual(
    writer.calls.map((c) => [c.method, c.request]),
    [
      ['Create', { id: 't' }],
      ['Drop', { id: 't' }],
    ],
  )
})

test("node errors map to their exit codes and print the node's message on one line", async (t) => {
  const cases: [grpc.status, string, number][] = [
    [grpc.status.INVALID_ARGUMENT, 'domain size 10 exceeds the maximum of 5 values', 2],
    [grpc.status.NOT_FOUND, 'token t was dropped', 4],
    [grpc.status.ALREADY_EXISTS, 'token t already exists', 5],
    [grpc.status.FAILED_PRECONDITION, 'node X is not the writer of token t; writer: 127.0.0.1:50051', 6],
    [grpc.status.RESOURCE_EXHAUSTED, 'write queue full', 8],
    [grpc.status.INTERNAL, 'boom', 1],
  ]
  for (const [status, details, exitCode] of cases) {
    const node = await startFakeNode({ Create: { error: status, details } })
    const run = await runClient(['create', '--server', node.address, '--id', 't'])
    node.stop()
    t.is(run.exitCode, exitCode, grpc.status[status])
    t.is(run.stderr, `tm-client: ${details} [${grpc.status[status]} from ${node.address}]\n`)
  }
})

test('an unreachable writer: exit 7, one line', async (t) => {
  const run = await runClient([
    'write',
    '--server',
    await deadAddress(),
    '--id',
    't',
    '--name',
    'n',
    '--low',
    '0',
    '--mid',
    '0',
    '--high',
    '1',
  ])
  t.is(run.exitCode, 7)
  t.regex(run.stderr, /^tm-client: 127\.0\.0\.1:\d+ is unavailable \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)\n$/)
})

// ---- reads ----------------------------------------------------------------------------------------------------

test('read prints the full state from a reader of the scheme', async (t) => {
  const reader = await startFakeNode({ Read: { reply: readReply('R') } })
  t.teardown(() => reader.stop())
  const run = await runClient(['read', '--config', schemeFile('127.0.0.1:9', [reader.address]), '--id', 't', '--json'])
  t.is(run.exitCode, 0, run.stderr)
  t.deepEqual(JSON.parse(run.stdout), {
    id: 't',
    written: true,
    name: 'alice',
    low: '0',
    mid: '10',
    high: MAX,
    partial: { nonce: '3', hash: '77' },
    final: { nonce: '12', hash: '5' },
    version: '2',
    epoch: '1700000000000',
    writer: 'w:1',
    readers: ['r:1', 'r:2'],
    served_by: 'R',
  })
  t.deepEqual(reader.calls[0]?.request, { id: 't' })
})

test('read of a created, never-written token says it has no value yet', async (t) => {
  const reader = await startFakeNode({
    Read: {
      reply: {
        id: 't',
        written: false,
        version: { seq: '1', epoch: '3' },
        writer: 'w:1',
        readers: ['r:1'],
        served_by: 'R',
      },
    },
  })
  t.teardown(() => reader.stop())
  const human = await runClient(['read', '--server', reader.address, '--id', 't'])
  t.regex(human.stdout, /^token t has no value yet/)
  const json = await runClient(['read', '--server', reader.address, '--id', 't', '--json'])
  t.like(JSON.parse(json.stdout), { written: false, name: null, final: null, version: '1', served_by: 'R' })
})

test('read fails over from a reader that does not answer to another one, with its own deadline', async (t) => {
  const [silent, dead, good] = [
    await startFakeNode({ Read: 'hang' }),
    await deadAddress(),
    await startFakeNode({ Read: { reply: readReply('G') } }),
  ]
  t.teardown(() => {
    silent.stop()
    good.stop()
  })
  const config = schemeFile('127.0.0.1:9', [silent.address, dead, good.address])
  const run = await runClient(['read', '--config', config, '--id', 't', '--timeout', '1500'], inSchemeOrder)
  t.is(run.exitCode, 0, run.stderr)
  t.regex(run.stdout, /^served_by {2}G$/m)
  t.deepEqual(
    run.stderr
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/ \(connect .*\)/, '')),
    [
      `tm-client: ${silent.address} did not answer within 1500 ms; trying ${dead}`,
      `tm-client: ${dead} is unavailable; trying ${good.address}`,
    ],
  )
})

test('read with --no-failover or --server asks exactly one node: exit 7 when it does not answer', async (t) => {
  const [silent, good] = [
    await startFakeNode({ Read: 'hang' }),
    await startFakeNode({ Read: { reply: readReply('G') } }),
  ]
  t.teardown(() => {
    silent.stop()
    good.stop()
  })
  const config = schemeFile('127.0.0.1:9', [silent.address, good.address])
  const once = await runClient(
    ['read', '--config', config, '--id', 't', '--timeout', '200', '--no-failover'],
    inSchemeOrder,
  )
  t.is(once.exitCode, 7)
  t.is(once.stderr, `tm-client: read of token t: ${silent.address} did not answer within 200 ms\n`)
  const direct = await runClient([
    'read',
    '--config',
    config,
    '--server',
    silent.address,
    '--id',
    't',
    '--timeout',
    '200',
    '--json',
  ])
  t.is(direct.exitCode, 7)
  t.like(JSON.parse(direct.stdout).error, { status: 'DEADLINE_EXCEEDED', exit_code: 7 })
  t.is(good.calls.length, 0)
})

test('read: when no reader answers, exit 7 names every attempt', async (t) => {
  const silent = await startFakeNode({ Read: 'hang' })
  t.teardown(() => silent.stop())
  const dead = await deadAddress()
  const run = await runClient([
    'read',
    '--config',
    schemeFile('127.0.0.1:9', [silent.address, dead]),
    '--id',
    't',
    '--timeout',
    '1500',
  ])
  t.is(run.exitCode, 7)
  const last = run.stderr.trimEnd().split('\n').at(-1) ?? ''
  t.regex(last, /^tm-client: no reader answered for token t \(2 tried\): /)
  t.true(
    last.includes(`${silent.address} did not answer within 1500 ms`) && last.includes(`${dead} is unavailable`),
    last,
  )
})

test('read does not fail over on a definite answer such as FAILED_PRECONDITION or NOT_FOUND', async (t) => {
  for (const [status, exitCode] of [
    [grpc.status.FAILED_PRECONDITION, 6],
    [grpc.status.NOT_FOUND, 4],
  ] as const) {
    const [refusing, good] = [
      await startFakeNode({ Read: { error: status, details: 'no' } }),
      await startFakeNode({ Read: { reply: readReply('G') } }),
    ]
    const run = await runClient(
      ['read', '--config', schemeFile('127.0.0.1:9', [refusing.address, good.address]), '--id', 't'],
      inSchemeOrder,
    )
    refusing.stop()
    good.stop()
    t.is(run.exitCode, exitCode)
    t.is(good.calls.length, 0)
  }
})

// ---- admin ----------------------------------------------------------------------------------------------------

test('fail-silent sends after_ms from --after and prints when the node goes silent', async (t) => {
  const node = await startFakeNode({ FailSilent: { reply: { node: 'N', id: 't', at_ms: '12345' } } })
  t.teardown(() => node.stop())
  const run = await runClient(['fail-silent', '--server', node.address, '--id', 't', '--after', '1.5s'])
  t.is(run.stdout, 'N goes silent for token t in 1500 ms (node clock 12345 ms)\n')
  t.deepEqual(node.calls[0]?.request, { id: 't', after_ms: '1500' })
  const now = await runClient(['fail-silent', '--server', node.address, '--id', 't', '--json'])
  t.deepEqual(JSON.parse(now.stdout), { node: 'N', id: 't', after_ms: '0', at_ms: '12345' })
})

test("status prints the node's tokens as a table, or one JSON object", async (t) => {
  const token = {
    id: 't',
    roles: ['writer', 'reader'],
    silent: false,
    state: { version: VERSION, value: { empty: {} } },
    pending: 1,
    replicas: 3,
    read_quorum: 2,
    write_quorum: 2,
    writer: 'w:1',
    readers: ['r:1'],
  }
  const node = await startFakeNode({
    Status: { reply: { node: 'N', tokens: [token], scheme_fingerprint: 'f00', ignored_replies: '0' } },
  })
  t.teardown(() => node.stop())
  const human = await runClient(['status', '--server', node.address])
  t.is(human.exitCode, 0, human.stderr)
  t.regex(human.stdout, /^t +writer,reader +2 +empty +no +1 +3 +2\/2 +no +- +- +0 +no$/m)
  const json = await runClient(['status', '--server', node.address, '--json'])
  t.like(JSON.parse(json.stdout), {
    node: 'N',
    scheme_fingerprint: 'f00',
    tokens: [{ id: 't', version: '2', value: 'empty', pending: 1 }],
  })
})

// ---- the real binary -----------------------------------------------------------------------------------------

function spawnClient(args: readonly string[]): Promise<ClientRun & { elapsedMs: number }> {
  const started = Date.now()
  const child = spawn(process.execPath, [join(repoRoot(), 'dist/src/bin/tm-client.js'), ...withTestDefaults(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`tm-client ${args.join(' ')} did not exit`))
    }, 15_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ exitCode: code ?? -1, stdout, stderr, elapsedMs: Date.now() - started })
    })
  })
}

test('the binary exits promptly after a read, and with its exit code and one line after a failure', async (t) => {
  const reader = await startFakeNode({
    Read: { reply: readReply('R') },
    Create: { error: grpc.status.ALREADY_EXISTS, details: 'token t exists' },
  })
  t.teardown(() => reader.stop())
  const ok = await spawnClient(['read', '--server', reader.address, '--id', 't', '--json'])
  t.is(ok.exitCode, 0, ok.stderr)
  t.is(JSON.parse(ok.stdout).served_by, 'R')
  t.true(ok.elapsedMs < 5000, `took ${ok.elapsedMs} ms`)
  const exists = await spawnClient(['create', '--server', reader.address, '--id', 't'])
  t.is(exists.exitCode, 5)
  t.is(exists.stderr, `tm-client: token t exists [ALREADY_EXISTS from ${reader.address}]\n`)
  t.true(isOneLine(exists))
  const usage = await spawnClient(['read', '--id'])
  t.is(usage.exitCode, 2)
  t.true(isOneLine(usage), usage.stderr)
  t.notRegex(usage.stderr + usage.stdout, /\n\s+at /, 'no stack trace')
})
