import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { historyFile } from '../../src/bin/client/history-recorder.js'
import { withCallFailure } from '../../src/client/call-failure.js'
import {
  AlreadyExistsError,
  NotFoundError,
  OutcomeUnknownError,
  UnavailableError,
} from '../../src/client/client-errors.js'
import type { HistoryRecord } from '../../src/client/history-records.js'
import { historyOfError } from '../../src/client/history-hook.js'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import { repoRoot } from '../support/repo-root.js'
import { runClient, withTestDefaults } from '../support/run-client.js'

/*
 * tm-client --history: the records each operation leaves, against fake nodes (grpc-js servers whose handlers
 * return canned replies or errors, or never answer), and the recorder's classification of errors.
 */

type Method = 'Create' | 'Drop' | 'Write' | 'Read'
type Behaviour = { reply: object } | { error: grpc.status } | 'hang'

async function fakeNode(
  behaviours: Partial<Record<Method, Behaviour>>,
): Promise<{ address: string; stop: () => void }> {
  const handler =
    (method: Method): grpc.handleUnaryCall<object, object> =>
    (_call, callback) => {
      const behaviour = behaviours[method]
      if (behaviour === 'hang') return
      if (behaviour === undefined || 'error' in behaviour)
        callback({ code: behaviour?.error ?? grpc.status.UNIMPLEMENTED, details: 'fake' })
      else callback(null, behaviour.reply)
    }
  const server = new grpc.Server()
  server.addService(loadTokenManagerPackage().TokenService.service, {
    Create: handler('Create'),
    Drop: handler('Drop'),
    Write: handler('Write'),
    Read: handler('Read'),
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    )
  })
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() }
}

const VERSION = { seq: '2', epoch: '1' }
const LIFECYCLE = { reply: { id: 't', version: VERSION, served_by: 'W' } }
const WRITE = { reply: { id: 't', partial: { nonce: '1', hash: '2' }, version: VERSION, served_by: 'W' } }
const readReply = (written: boolean): Behaviour => ({
  reply: {
    id: 't',
    written,
    name: written ? 'alice' : '',
    low: '0',
    mid: '10',
    high: '20',
    partial: null,
    final: null,
    version: VERSION,
    writer: 'w',
    readers: ['r'],
    served_by: 'R',
  },
})
const WRITE_ARGS = ['--id', 't', '--name', 'alice', '--low', '0', '--mid', '10', '--high', '20']

function historyFileName(): string {
  return join(mkdtempSync(join(tmpdir(), 'tm-history-')), 'history.jsonl')
}

function records(file: string): HistoryRecord[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as HistoryRecord)
}

test('a write records invoke then ok, with the value key name|low|mid|high and one id, client and token', async (t) => {
  const node = await fakeNode({ Write: WRITE })
  t.teardown(node.stop)
  const file = historyFileName()
  const before = Date.now()
  const run = await runClient([
    'write',
    '--server',
    node.address,
    ...WRITE_ARGS,
    '--history',
    file,
    '--client',
    'alice-client',
  ])
  t.is(run.exitCode, 0, run.stderr)
  const [invoke, ok, ...rest] = records(file)
  t.deepEqual(rest, [])
  t.like(invoke, { type: 'invoke', client: 'alice-client', token: 't', op: { kind: 'write', value: 'alice|0|10|20' } })
  t.like(ok, { type: 'ok', id: invoke!.id, client: 'alice-client', token: 't', result: { kind: 'ok' } })
  t.true(invoke!.timeMs >= before && ok!.timeMs >= invoke!.timeMs && ok!.timeMs <= Date.now())
})

test('reads record the value under the same key, or empty when never written; lifecycle answers are ok results', async (t) => {
  const node = await fakeNode({
    Read: readReply(true),
    Create: { error: grpc.status.ALREADY_EXISTS },
    Drop: { error: grpc.status.NOT_FOUND },
  })
  t.teardown(node.stop)
  const empty = await fakeNode({ Read: readReply(false), Create: LIFECYCLE })
  t.teardown(empty.stop)
  const file = historyFileName()
  const server = (n: { address: string }): string[] => ['--server', n.address, '--id', 't', '--history', file]
  t.is((await runClient(['read', ...server(node)])).exitCode, 0)
  t.is((await runClient(['read', ...server(empty)])).exitCode, 0)
  t.is((await runClient(['create', ...server(node)])).exitCode, 5)
  t.is((await runClient(['drop', ...server(node)])).exitCode, 4)
  t.is((await runClient(['create', ...server(empty)])).exitCode, 0)
  const completions = records(file).filter((r) => r.type !== 'invoke')
  t.deepEqual(
    completions.map((r) => (r.type === 'ok' ? r.result : r.type)),
    [
      { kind: 'value', value: 'alice|0|10|20' },
      { kind: 'empty' },
      { kind: 'already-exists' },
      { kind: 'not-found' },
      { kind: 'ok' },
    ],
  )
  const clients = new Set(records(file).map((r) => r.client))
  t.is(clients.size, 1, 'one process, one default client id')
  t.is(new Set(records(file).map((r) => r.id)).size, 5)
})

test('a write deadline is unknown, a read without answer failed, and a locally invalid request is not recorded', async (t) => {
  const node = await fakeNode({ Write: 'hang', Read: 'hang' })
  t.teardown(node.stop)
  const file = historyFileName()
  const args = ['--server', node.address, '--timeout', '150', '--history', file]
  t.is((await runClient(['write', ...args, ...WRITE_ARGS])).exitCode, 3)
  t.is((await runClient(['read', ...args, '--id', 't'])).exitCode, 7)
  const [, write, , read] = records(file)
  t.like(write, { type: 'unknown' })
  t.regex((write as { error: string }).error, /outcome unknown/)
  t.like(read, { type: 'failed' })
  const invalid = await runClient([
    'write',
    ...args,
    '--id',
    't',
    '--name',
    'a',
    '--low',
    '5',
    '--mid',
    '1',
    '--high',
    '9',
  ])
  t.is(invalid.exitCode, 2)
  t.is(records(file).length, 4)
  const untouched = historyFileName()
  await runClient([
    'write',
    '--server',
    node.address,
    '--history',
    untouched,
    '--id',
    'bad id!',
    '--name',
    'a',
    '--low',
    '0',
    '--mid',
    '0',
    '--high',
    '1',
  ])
  t.false(existsSync(untouched))
})

test('errors classify by what they prove: refusals and unsent calls failed, semantic answers ok, the rest unknown', (t) => {
  const failed = (status: string, details = ''): Error =>
    withCallFailure(new UnavailableError(status), { node: 'n:1', status, details, timeoutMs: 100 })
  const write = { kind: 'write', value: 'v' } as const
  t.deepEqual(historyOfError(write, new NotFoundError('gone')), { type: 'ok', result: { kind: 'not-found' } })
  t.deepEqual(historyOfError({ kind: 'create' }, new AlreadyExistsError('there')), {
    type: 'ok',
    result: { kind: 'already-exists' },
  })
  t.is(historyOfError(write, failed('FAILED_PRECONDITION')).type, 'failed')
  t.is(historyOfError(write, failed('RESOURCE_EXHAUSTED')).type, 'failed')
  t.is(historyOfError(write, failed('UNAVAILABLE')).type, 'unknown')
  t.is(historyOfError(write, failed('UNAVAILABLE', 'No connection established. Last error: x')).type, 'failed')
  t.is(historyOfError(write, new OutcomeUnknownError('late', 'n:1')).type, 'unknown')
  t.is(historyOfError({ kind: 'drop' }, failed('INTERNAL')).type, 'unknown')
  t.is(historyOfError({ kind: 'read' }, failed('INTERNAL')).type, 'failed')
})

test('a history file gets one JSON line per record, under the client name it was given', (t) => {
  const file = historyFileName()
  const sink = historyFile(file, 'c')
  t.is(sink.client, 'c')
  sink.hook({ type: 'invoke', id: 'c-1', client: 'c', token: 't', op: { kind: 'read' }, timeMs: 100 })
  sink.hook({ type: 'ok', id: 'c-1', client: 'c', token: 't', result: { kind: 'empty' }, timeMs: 101 })
  t.deepEqual(
    records(file).map((r) => [r.type, r.timeMs]),
    [
      ['invoke', 100],
      ['ok', 101],
    ],
  )
})

function spawnClient(args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [join(repoRoot(), 'dist/src/bin/tm-client.js'), ...withTestDefaults(args)], {
    stdio: 'ignore',
  })
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)))
}

test('concurrent client processes append whole lines to one file, which tm-check accepts', async (t) => {
  const node = await fakeNode({ Write: WRITE, Read: readReply(true) })
  t.teardown(node.stop)
  const file = historyFileName()
  const common = ['--server', node.address, '--history', file]
  t.is(await spawnClient(['write', ...common, ...WRITE_ARGS]), 0)
  const runs = Array.from({ length: 6 }, (_, i) =>
    spawnClient(i % 2 === 0 ? ['read', ...common, '--id', 't'] : ['write', ...common, ...WRITE_ARGS]),
  )
  t.deepEqual(await Promise.all(runs), [0, 0, 0, 0, 0, 0])
  const all = records(file)
  t.is(all.length, 14)
  t.is(new Set(all.map((r) => r.client)).size, 7, 'one client id per process')
  const check = await new Promise<number>((resolve) => {
    spawn(process.execPath, [join(repoRoot(), 'dist/src/bin/tm-check.js'), file], { stdio: 'ignore' }).on(
      'close',
      (code) => resolve(code ?? -1),
    )
  })
  t.is(check, 0)
})
