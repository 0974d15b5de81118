import test from 'ava'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ProcessCluster } from '../support/process-cluster.js'
import { repoRoot } from '../support/repo-root.js'

let cluster: ProcessCluster

test.before(async () => {
  const tokens = ['1', '2', '3', '4'].map((token) => ({ token, writer: 0, readers: [0, 1, 2] }))
  cluster = await ProcessCluster.create(3, tokens)
  await cluster.startAll()
})

test.after.always(async () => {
  await cluster?.stop()
})

function bench(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'dist/src/bin/tm-bench.js'), ...args, '--insecure'], {
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

// No speed assertion: only that load flows, both op types succeed and nothing fails, however slow the machine.
test('tm-bench loads a 3-node cluster for about a second and reports operations of both kinds and no errors', async (t) => {
  const run = await bench(
    '--config',
    cluster.configPath,
    '--duration',
    '1s',
    '--concurrency',
    '4',
    '--read-ratio',
    '0.5',
    '--timeout',
    '20000',
    '--json',
  )
  t.is(run.code, 0, run.stderr)
  const result = JSON.parse(run.stdout)
  t.true(result.totalOps > 0)
  t.is(result.totalErrors, 0, JSON.stringify(result.byKind))
  const kinds = result.byKind.map((k: { kind: string }) => k.kind).sort()
  t.deepEqual(kinds, ['read', 'write'])
  for (const k of result.byKind) t.true(k.count > 0 && k.p50Ms > 0 && k.p99Ms >= k.p50Ms)
})

test('tm-bench --ops stops after exactly that many operations', async (t) => {
  const run = await bench(
    '--config',
    cluster.configPath,
    '--ops',
    '40',
    '--concurrency',
    '3',
    '--tokens',
    '2',
    '--timeout',
    '20000',
    '--json',
  )
  t.is(run.code, 0, run.stderr)
  const result = JSON.parse(run.stdout)
  t.is(result.totalOps, 40)
  t.is(result.totalErrors, 0)
})
