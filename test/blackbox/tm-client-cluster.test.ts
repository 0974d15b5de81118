import test from 'ava'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ProcessCluster } from '../support/process-cluster.js'
import { repoRoot } from '../support/repo-root.js'
import { withTestDefaults } from '../support/run-client.js'

let cluster: ProcessCluster

test.before(async () => {
  cluster = await ProcessCluster.create(3, [
    { token: 'T', writer: 0, readers: [0, 1, 2] },
    { token: 'U', writer: 1, readers: [1, 2] },
    { token: 'V', writer: 0, readers: [0, 1, 2] },
  ])
  await cluster.startAll()
})

test.after.always(async () => {
  await cluster?.stop()
})

function client(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'dist/src/bin/tm-client.js'), ...withTestDefaults(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

test.serial('tm-client write then read through the scheme, JSON with uint64 as decimal strings', async (t) => {
  const w = await client(
    'write',
    '--config',
    cluster.configPath,
    '--id',
    'T',
    '--name',
    'hello',
    '--low',
    '0',
    '--mid',
    '500',
    '--high',
    '1000',
    '--json',
  )
  t.is(w.code, 0, w.stderr)
  t.is(JSON.parse(w.stdout).served_by, cluster.addresses[0])
  const r = await client('read', '--config', cluster.configPath, '--id', 'T', '--json')
  t.is(r.code, 0, r.stderr)
  const reply = JSON.parse(r.stdout)
  t.is(reply.final.nonce, '826')
  t.true(cluster.addresses.includes(reply.served_by))
})

test.serial(
  'tm-client read --trace prints the operation as one tree of spans from every node of the token',
  async (t) => {
    const w = await client(
      'write',
      '--config',
      cluster.configPath,
      '--id',
      'T',
      '--name',
      'tr',
      '--low',
      '0',
      '--mid',
      '5',
      '--high',
      '9',
    )
    t.is(w.code, 0, w.stderr)
    const r = await client('read', '--config', cluster.configPath, '--id', 'T', '--trace')
    t.is(r.code, 0, r.stderr)
    t.regex(r.stdout, /^trace [0-9a-f]{32} {2}\(\d+ spans from 3 nodes\)$/m)
    t.regex(r.stdout, /^read {2}127\.0\.0\.1:\d+ {2}\+0\.0 ms/m, 'the operation is the root')
    t.regex(r.stdout, /^ {2}(query|local) {2}/m, 'its first phase one level in')
    const j = await client(
      'write',
      '--config',
      cluster.configPath,
      '--id',
      'T',
      '--name',
      'tj',
      '--low',
      '0',
      '--mid',
      '5',
      '--high',
      '9',
      '--trace',
      '--json',
    )
    t.is(j.code, 0, j.stderr)
    const reply = JSON.parse(j.stdout)
    t.is(reply.id, 'T')
    t.regex(reply.trace.trace_id, /^[0-9a-f]{32}$/)
    t.is(reply.trace.nodes.length, 3)
    const root = reply.trace.tree[0]
    t.is(root.name, 'write')
    t.true(root.children.some((c: { name: string }) => c.name === 'hash'))
    const store = root.children.find(
      (c: { name: string; attributes: Record<string, string> }) => c.attributes['tm.phase'] === 'write',
    )
    t.true(store.replies.length >= 2, 'a write quorum of replies with versions')
    t.true(store.children.every((c: { name: string }) => c.name === 'serve'))
  },
)

test.serial(
  'tm-client write --trace of a write that times out prints its trace, then fails as without it',
  async (t) => {
    // Nodes 1 and 2 silent for V: the writer's store never reaches a write quorum, so the write ends in a deadline.
    for (const node of [1, 2]) {
      const silenced = await client('fail-silent', '--server', cluster.addresses[node]!, '--id', 'V')
      t.is(silenced.code, 0, silenced.stderr)
    }
    const write = ['write', '--config', cluster.configPath, '--id', 'V', '--name', 'late', '--low', '0', '--mid', '3']
    const human = await client(...write, '--high', '9', '--timeout', '1000', '--trace')
    t.is(human.code, 3, human.stderr)
    t.regex(human.stderr, /^tm-client: outcome unknown/)
    t.regex(human.stdout, /^trace [0-9a-f]{32} {2}\(\d+ spans from 3 nodes\)$/m)
    t.regex(human.stdout, /^write {2}127\.0\.0\.1:\d+ {2}\+0\.0 ms/m, 'the failed write is the root')
    const json = await client(...write, '--high', '9', '--timeout', '1000', '--trace', '--json')
    t.is(json.code, 3, json.stderr)
    const failure = JSON.parse(json.stdout)
    t.is(failure.error.status, 'OUTCOME_UNKNOWN')
    t.is(failure.trace.tree[0].name, 'write')
  },
)

test.serial('tm-client errors are one line with a distinct exit code, never a stack trace', async (t) => {
  const inverted = await client(
    'write',
    '--server',
    cluster.addresses[0]!,
    '--id',
    'T',
    '--name',
    'x',
    '--low',
    '5',
    '--mid',
    '4',
    '--high',
    '9',
  )
  t.not(inverted.code, 0)
  t.notRegex(inverted.stderr, /\n\s+at /)
  const notWriter = await client(
    'write',
    '--server',
    cluster.addresses[2]!,
    '--id',
    'T',
    '--name',
    'x',
    '--low',
    '0',
    '--mid',
    '1',
    '--high',
    '2',
  )
  t.is(notWriter.code, 6)
  t.regex(notWriter.stderr, new RegExp(`writer: ${cluster.addresses[0]}`))
  const unknown = await client('read', '--server', cluster.addresses[0]!, '--id', 'nope')
  t.is(unknown.code, 4)
})

test.serial(
  'tm-client fail-silent silences one token; reads fail over to another reader; a silent majority times out',
  async (t) => {
    const s = await client('fail-silent', '--server', cluster.addresses[2]!, '--id', 'T')
    t.is(s.code, 0, s.stderr)
    const direct = await client('read', '--server', cluster.addresses[2]!, '--id', 'T', '--timeout', '500')
    t.is(direct.code, 7)
    const other = await client('read', '--server', cluster.addresses[2]!, '--id', 'U', '--json')
    t.is(other.code, 0, 'the silent node still serves token U')
    for (let i = 0; i < 3; i++) {
      const r = await client('read', '--config', cluster.configPath, '--id', 'T', '--timeout', '700', '--json')
      t.is(r.code, 0, r.stderr)
    }
    const status = await client('status', '--server', cluster.addresses[2]!, '--json')
    t.true(JSON.parse(status.stdout).tokens.find((x: { id: string }) => x.id === 'T').silent)
    await client('fail-silent', '--server', cluster.addresses[1]!, '--id', 'T')
    const w = await client(
      'write',
      '--config',
      cluster.configPath,
      '--id',
      'T',
      '--name',
      'x',
      '--low',
      '0',
      '--mid',
      '1',
      '--high',
      '2',
      '--timeout',
      '700',
    )
    t.is(w.code, 3, 'outcome unknown')
    t.regex(w.stderr, /outcome unknown/)
  },
)
