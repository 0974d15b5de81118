import test from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Persistence } from '../../src/core/ports/persistence.js'
import type { PersistEntry } from '../../src/core/protocol/outbox.js'
import { LevelPersistence } from '../../src/plugins/level-persistence/level-persistence.js'
import { LogPersistence } from '../../src/plugins/log-persistence/log-persistence.js'
import { MemoryPersistence } from '../../src/plugins/memory-persistence/memory-persistence.js'
import { UINT64_MAX } from '../../src/core/uint64.js'

const tempDirs: string[] = []
test.after.always(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function levelInTempDir(): Promise<Persistence> {
  const dir = await mkdtemp(join(tmpdir(), 'persistence-compliance-'))
  tempDirs.push(dir)
  return LevelPersistence.open(join(dir, 'data'), '127.0.0.1:50051')
}

async function logInTempDir(): Promise<Persistence> {
  const dir = await mkdtemp(join(tmpdir(), 'persistence-compliance-'))
  tempDirs.push(dir)
  return LogPersistence.open(join(dir, 'data'), '127.0.0.1:50051')
}

const implementations: [string, () => Promise<Persistence>][] = [
  ['memory', async () => new MemoryPersistence()],
  ['level', levelInTempDir],
  ['log', logInTempDir],
]

const entry = (token: string, seq: bigint): PersistEntry => ({
  token,
  ts: { seq, epoch: 1n },
  value: { kind: 'empty' },
})

for (const [name, make] of implementations) {
  test(`${name}: load returns the newest saved entry per token, values exact`, async (t) => {
    const p = await make()
    const token = {
      name: 'é',
      low: 0n,
      mid: 1n,
      high: UINT64_MAX,
      partial: { nonce: 0n, hash: UINT64_MAX },
      final: undefined,
    }
    await p.save([{ token: 'T', ts: { seq: 1n, epoch: 1n }, value: { kind: 'empty' } }])
    await p.save([
      { token: 'T', ts: { seq: 2n, epoch: 1n }, value: { kind: 'token', token } },
      { token: 'U', ts: { seq: 5n, epoch: 2n }, value: { kind: 'absent' } },
    ])
    const loaded = (await p.load()).sort((a, b) => a.token.localeCompare(b.token))
    t.is(loaded.length, 2)
    t.deepEqual(loaded[0]!.ts, { seq: 2n, epoch: 1n })
    t.deepEqual(loaded[0]!.value, { kind: 'token', token })
    t.deepEqual(loaded[1]!.value, { kind: 'absent' })
    await p.close()
  })

  test(`${name}: a new store loads nothing, and an empty save completes`, async (t) => {
    const p = await make()
    t.deepEqual(await p.load(), [])
    await p.save([])
    t.deepEqual(await p.load(), [])
    await p.close()
  })

  test(`${name}: within one save the last entry for a token wins`, async (t) => {
    const p = await make()
    await p.save([entry('T', 1n), entry('T', 3n), entry('T', 2n)])
    t.deepEqual(await p.load(), [entry('T', 2n)])
    await p.close()
  })

  test(`${name}: concurrent saves complete in call order and the last call wins`, async (t) => {
    const p = await make()
    const completed: number[] = []
    const saves = Array.from({ length: 40 }, (_, i) =>
      Promise.resolve(p.save([entry('T', BigInt(i)), entry(`U${i % 3}`, BigInt(i))])).then(() => {
        completed.push(i)
      }),
    )
    await Promise.all(saves)
    t.deepEqual(
      completed,
      Array.from({ length: 40 }, (_, i) => i),
    )
    const loaded = new Map((await p.load()).map((e) => [e.token, e.ts.seq]))
    t.deepEqual(
      loaded,
      new Map([
        ['T', 39n],
        ['U0', 39n],
        ['U1', 37n],
        ['U2', 38n],
      ]),
    )
    await p.close()
  })
}

/** Stores that keep their state across a close and a reopen of the same dir. */
const durable: [string, (dir: string) => Promise<Persistence>][] = [
  ['level', (dir) => LevelPersistence.open(dir, '127.0.0.1:50051')],
  ['log', (dir) => LogPersistence.open(dir, '127.0.0.1:50051')],
]

for (const [name, reopen] of durable) {
  test(`${name}: every save made before close, resolved or still queued, is there after a reopen`, async (t) => {
    const dir = join(await mkdtemp(join(tmpdir(), 'persistence-compliance-')), 'data')
    tempDirs.push(dir)
    const p = await reopen(dir)
    const saves = Array.from({ length: 200 }, (_, i) => p.save([entry(`K${i % 50}`, BigInt(i))]))
    await p.close()
    await Promise.all(saves)
    const again = await reopen(dir)
    const loaded = new Map((await again.load()).map((e) => [e.token, e.ts.seq]))
    t.is(loaded.size, 50)
    for (let k = 0; k < 50; k++) t.is(loaded.get(`K${k}`), BigInt(150 + k))
    await again.close()
  })
}
