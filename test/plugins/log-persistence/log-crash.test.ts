import test from 'ava'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LogPersistence } from '../../../src/plugins/log-persistence/log-persistence.js'
import { repoRoot } from '../../support/repo-root.js'

/** Runs the saver until it has acknowledged a few hundred saves, kills it with SIGKILL; returns the acks it printed. */
async function runAndKill(dataDir: string, firstSeq: number, killAfterAcks: number): Promise<Map<string, bigint>> {
  const child = spawn(
    process.execPath,
    [join(repoRoot(), 'dist/test/support/log-saver.js'), dataDir, String(firstSeq), '8192'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const acked = new Map<string, bigint>()
  let count = 0
  let buffered = ''
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        const [word, token, seq] = line.split(' ')
        if (word !== 'ack') continue
        acked.set(token!, BigInt(seq!))
        if (++count === killAfterAcks) child.kill('SIGKILL')
      }
    })
    child.on('exit', () => resolve())
  })
  return acked
}

test('kill -9 at random points (mid-write, mid-sync, mid-compaction): every acknowledged save is there after a restart', async (t) => {
  const parent = await mkdtemp(join(tmpdir(), 'log-crash-'))
  t.teardown(() => rm(parent, { recursive: true, force: true }))
  const dataDir = join(parent, 'data')
  let firstSeq = 0
  for (let round = 0; round < 6; round++) {
    const acked = await runAndKill(dataDir, firstSeq, 200 + Math.floor(Math.random() * 1500))
    firstSeq += 1_000_000
    const store = await LogPersistence.open(dataDir, '127.0.0.1:1')
    const loaded = new Map((await store.load()).map((e) => [e.token, e.ts.seq]))
    await store.close()
    t.true(acked.size > 0, `round ${round} acknowledged saves`)
    for (const [token, seq] of acked) {
      t.true((loaded.get(token) ?? -1n) >= seq, `round ${round}: ${token} acked ${seq}, loaded ${loaded.get(token)}`)
    }
  }
})
