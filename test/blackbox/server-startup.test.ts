import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { ProcessCluster } from '../support/process-cluster.js'
import { repoRoot } from '../support/repo-root.js'

const server = (args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot(), 'dist/server/tm-server.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  })

test('malformed YAML: the server refuses to start and names the file and line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-bad-'))
  const file = join(dir, 'tokens.yaml')
  writeFileSync(file, '- token: 1\n  writer: 127.0.0.1:1\n  readers: [127.0.0.1:1\n')
  const run = server(['--config', file, '--address', '127.0.0.1:1'])
  t.not(run.status, 0)
  t.regex(run.stderr, /tokens\.yaml:\d+/)
  t.notRegex(run.stderr, /\n\s+at /, 'no stack trace')
})

test('an address that plays no role in the scheme refuses to start', (t) => {
  const run = server(['--config', join(repoRoot(), 'config/tokens.yaml'), '--address', '127.0.0.1:59999'])
  t.is(run.status, 2)
  t.regex(run.stderr, /appears in no token/)
})

test('a node whose scheme differs is refused by its peers: its writes find no quorum', async (t) => {
  const cluster = await ProcessCluster.create(3, [{ token: 'T', writer: 0, readers: [0, 1, 2] }])
  try {
    await cluster.start(1)
    await cluster.start(2)
    // Node 0 runs a scheme with an extra token: same addresses, different fingerprint.
    const other = join(cluster.dir, 'other.yaml')
    const [a, b, c] = cluster.addresses
    writeFileSync(
      other,
      `- token: T\n  writer: ${a}\n  readers: [${a}, ${b}, ${c}]\n- token: X\n  writer: ${a}\n  readers: [${a}, ${b}]\n`,
    )
    const original = cluster.configPath
    Object.assign(cluster, { configPath: other })
    await cluster.start(0)
    Object.assign(cluster, { configPath: original })
    const w = await cluster.call(
      0,
      'TokenService',
      'Write',
      { id: 'T', name: 'x', low: '0', mid: '1', high: '2' },
      1500,
    )
    t.is(w.error?.code, grpc.status.DEADLINE_EXCEEDED)
  } finally {
    await cluster.stop()
  }
})

test('a read lease longer than half the operation timeout starts, with a warning that names both settings', async (t) => {
  const cluster = await ProcessCluster.create(
    1,
    [{ token: 'T', writer: 0, readers: [0] }],
    'readLeaseMs: 1000\noperationTimeoutMs: 1500\n',
  )
  try {
    await cluster.start(0, ['--settings', join(cluster.dir, 'settings.yaml')])
    const logs = cluster.logs.get(cluster.addresses[0]!)!.join('\n')
    t.regex(logs, /readLeaseMs is more than half of operationTimeoutMs/)
    t.regex(logs, /"readLeaseMs":1000/)
    const r = await cluster.call(0, 'TokenService', 'Read', { id: 'T' })
    t.is(r.error, undefined, 'the node serves')
  } finally {
    await cluster.stop()
  }
})

/** A port the OS just handed out, free again. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

test('a metrics port in use: the node exits non-zero with one line and serves nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tm-metrics-'))
  const node = `127.0.0.1:${await freePort()}`
  writeFileSync(join(dir, 'tokens.yaml'), `- token: T\n  writer: ${node}\n  readers: [${node}]\n`)
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => taken.close())
  const metrics = `127.0.0.1:${(taken.address() as AddressInfo).port}`
  const run = server([
    '--config',
    join(dir, 'tokens.yaml'),
    '--address',
    node,
    '--insecure',
    '--in-memory',
    '--metrics-address',
    metrics,
    '--log-level',
    'error',
  ])
  t.is(run.status, 4, run.stderr)
  t.is(run.stderr, `tm-server: cannot serve metrics on ${metrics}: EADDRINUSE\n`)
  t.notRegex(run.stdout, /node started/)
})

test('--metrics-address serves the metrics without a settings file; a malformed one is refused in one line', async (t) => {
  const cluster = await ProcessCluster.create(1, [{ token: 'T', writer: 0, readers: [0] }])
  try {
    const metrics = `127.0.0.1:${await freePort()}`
    await cluster.start(0, ['--metrics-address', metrics])
    const text = await (await fetch(`http://${metrics}/metrics`)).text()
    t.regex(text, /^tm_operations_total|# HELP tm_/m)
  } finally {
    await cluster.stop()
  }
  const bad = server([
    '--config',
    join(repoRoot(), 'config/tokens.yaml'),
    '--address',
    '127.0.0.1:50051',
    '--insecure',
    '--in-memory',
    '--metrics-address',
    'nonsense',
  ])
  t.is(bad.status, 2)
  t.regex(bad.stderr, /^tm-server: --metrics-address "nonsense" is not host:port\n$/)
})
