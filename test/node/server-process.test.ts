import test from 'ava'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OutputLines } from '../../src/node/output-lines.js'
import { startServerProcess } from '../../src/node/server-process.js'
import { startProcess } from '../../src/node/start-process.js'
import { freeAddresses } from '../support/free-port.js'

/** A one-node scheme at a free address, in a temp dir removed after the test. */
async function oneNodeScheme(t: { teardown(fn: () => void): void }): Promise<{ configPath: string; address: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-server-process-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const [address] = (await freeAddresses(1)) as [string]
  const configPath = join(dir, 'tokens.yaml')
  writeFileSync(configPath, `- token: T\n  writer: ${address}\n  readers: [${address}]\n`)
  return { configPath, address }
}

/** A node script run with `node -e`. */
function script(code: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['-e', code] }
}

function canConnect(address: string): Promise<boolean> {
  const [host, port] = address.split(':') as [string, string]
  return new Promise((resolve) => {
    const socket = connect(Number(port), host)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

test('a node is ready when its start line is logged, and kill resolves only once it has exited', async (t) => {
  const scheme = await oneNodeScheme(t)
  const node = await startServerProcess({ ...scheme, persistence: 'memory', insecure: true, readyLine: /node started/ })
  t.teardown(() => node.kill())
  t.regex(node.readyLine ?? '', /node started/)
  t.true(node.lines.some((line) => line.includes('node started')))
  t.true(node.readyAtMs >= node.spawnedAtMs)
  t.is(node.child.pid, node.pid)
  t.is(node.address, scheme.address)
  t.true(node.isUp())
  await node.kill('SIGKILL')
  t.is(node.child.signalCode, 'SIGKILL')
  t.false(node.isUp())
})

test('by default a node is ready when its port accepts connections, at a log level that prints nothing', async (t) => {
  const scheme = await oneNodeScheme(t)
  const node = await startServerProcess({ ...scheme, persistence: 'memory', insecure: true, logLevel: 'warn' })
  t.teardown(() => node.kill())
  t.is(node.readyLine, undefined)
  t.true(await canConnect(scheme.address))
  // Not asserting a clean exit 0: tm-server listens a moment before it handles SIGTERM, so a stop this early may
  // end it by the signal itself.
  await node.stop(5_000)
  t.false(node.isUp())
  t.false(await canConnect(scheme.address), 'its port is closed once stop resolved')
})

test('a child that says it is ready and exits at once is not started', async (t) => {
  const error = await t.throwsAsync(
    startProcess({
      label: 'brief child',
      ...script("console.log('ready'); setTimeout(() => process.exit(0), 10)"),
      ready: { port: 1 },
      timeoutMs: 10_000,
    }),
  )
  t.regex(error?.message ?? '', /^brief child exited 0 before it was ready:\nready$/)
})

test('a node that exits before it is ready rejects the start with what it said', async (t) => {
  const scheme = await oneNodeScheme(t)
  const error = await t.throwsAsync(
    startServerProcess({ ...scheme, configPath: `${scheme.configPath}.missing`, insecure: true }),
  )
  t.regex(error?.message ?? '', /^tm-server 127\.0\.0\.1:\d+ exited \d+ before it was ready/)
  t.regex(error?.message ?? '', /tokens\.yaml\.missing/)
})

test('a child not ready within the start timeout is killed before the start rejects with its output tail', async (t) => {
  let spawned: ChildProcess | undefined
  const startedMs = performance.now()
  const error = await t.throwsAsync(
    startProcess({
      label: 'quiet child',
      ...script("console.log('first words'); setInterval(() => {}, 1000)"),
      ready: { line: /never printed/ },
      timeoutMs: 3_000,
      onSpawn: (child) => {
        spawned = child
      },
    }),
  )
  t.regex(error?.message ?? '', /^quiet child was not ready within 3000 ms:\nfirst words$/)
  t.true(performance.now() - startedMs >= 3_000)
  t.is(spawned?.signalCode, 'SIGKILL', 'gone by the time the start rejects')
})

test('a child ready by port that never listens times out', async (t) => {
  const [address] = (await freeAddresses(1)) as [string]
  const error = await t.throwsAsync(
    startProcess({
      label: 'no listener',
      ...script('setInterval(() => {}, 1000)'),
      ready: { port: Number(address.split(':')[1]) },
      timeoutMs: 300,
    }),
  )
  t.regex(error?.message ?? '', /^no listener was not ready within 300 ms/)
})

test('stop sends SIGTERM and, to a child that ignores it, SIGKILL after the grace period', async (t) => {
  const child = await startProcess({
    label: 'stubborn',
    ...script("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"),
    ready: { line: /^up$/ },
    timeoutMs: 10_000,
  })
  const stoppingMs = performance.now()
  await child.stop(300)
  t.true(performance.now() - stoppingMs >= 290)
  t.is(child.child.signalCode, 'SIGKILL')
  t.false(child.isUp())
})

test('output is kept as whole lines per stream, the last maxOutputLines of them, and counted in all', async (t) => {
  const child = await startProcess({
    label: 'chatty',
    ...script(
      "for (let i = 0; i < 20; i++) console.log('line ' + i); console.log('ready'); setInterval(() => {}, 1000)",
    ),
    ready: { line: /^ready$/ },
    timeoutMs: 10_000,
    maxOutputLines: 5,
  })
  await child.kill()
  t.deepEqual(child.lines, ['line 16', 'line 17', 'line 18', 'line 19', 'ready'])
  t.is(child.output.count, 21)
})

test('a chunk of one stream never glues onto a partial line of the other', (t) => {
  const output = new OutputLines(10)
  t.deepEqual(output.push('stdout', 'hal'), [])
  t.deepEqual(output.push('stderr', 'warn\n'), ['warn'])
  t.deepEqual(output.push('stdout', 'f\nnext'), ['half'])
  t.deepEqual(output.end('stdout'), ['next'])
  t.deepEqual(output.lines, ['warn', 'half', 'next'])
})

test('the start sink sees every chunk of output', async (t) => {
  const chunks: string[] = []
  const child = await startProcess({
    label: 'sink',
    ...script("console.log('to the sink'); console.log('ready'); setInterval(() => {}, 1000)"),
    ready: { line: /^ready$/ },
    timeoutMs: 10_000,
    onOutput: (chunk) => chunks.push(chunk.toString()),
  })
  await child.kill()
  t.regex(chunks.join(''), /to the sink\nready\n/)
})
