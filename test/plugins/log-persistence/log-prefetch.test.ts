import test from 'ava'
import type { ExecutionContext } from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PersistEntry } from '../../../src/core/protocol/outbox.js'
import { LogPersistence } from '../../../src/plugins/log-persistence/log-persistence.js'
import { LogPrefetch, MIN_PREFETCH_BYTES } from '../../../src/plugins/log-persistence/log-prefetch.js'

/*
 * A data dir's log read ahead in a worker (tm-server starts it before it reads its scheme) is used only for the
 * file the store opens as it was read; the store then holds exactly what it would have read itself.
 */
const NODE = '127.0.0.1:50051'
/** Names long enough that a few thousand entries make a log over MIN_PREFETCH_BYTES. */
const NAME = 'x'.repeat(300)

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'log-prefetch-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return join(dir, 'data')
}

const entry = (token: string, seq: bigint): PersistEntry => ({
  token,
  ts: { seq, epoch: 2n },
  value: {
    kind: 'token',
    token: { name: NAME, low: 0n, mid: 1n, high: 2n, partial: { nonce: 0n, hash: seq }, final: undefined },
  },
})

/** A dir whose log holds 2,000 tokens written twice (over a MiB), and the state a plain open reads. */
async function largeDir(t: ExecutionContext): Promise<{ dir: string; state: PersistEntry[] }> {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE, { compactMinBytes: 1 << 30 })
  for (let round = 0n; round < 2n; round++) {
    await store.save(Array.from({ length: 2_000 }, (_, i) => entry(`T${i}`, round * 10_000n + BigInt(i))))
  }
  await store.close()
  return { dir, state: await loadPlain(dir) }
}

async function loadPlain(dir: string, prefetch?: LogPrefetch): Promise<PersistEntry[]> {
  const store = await LogPersistence.open(dir, NODE, prefetch === undefined ? {} : { prefetch })
  const entries = (await store.load()).sort((a, b) => (a.token < b.token ? -1 : 1))
  await store.close()
  return entries
}

test('a store opened with its log read ahead in a worker holds what a plain open reads', async (t) => {
  const { dir, state } = await largeDir(t)
  const prefetch = LogPrefetch.start(dir)
  t.truthy(prefetch, `a log over ${MIN_PREFETCH_BYTES} bytes is read ahead`)
  t.truthy(await prefetch!.result(), 'the worker indexed it')
  t.deepEqual(await loadPlain(dir, prefetch), state)
  t.is(state.length, 2_000)
  t.is(state[0]!.ts.seq, 10_000n)
})

test('a log that changed after the worker read it is read again, not taken from the worker', async (t) => {
  const { dir } = await largeDir(t)
  const prefetch = LogPrefetch.start(dir)
  await prefetch!.result()
  const store = await LogPersistence.open(dir, NODE, { compactMinBytes: 1 << 30 })
  await store.save([entry('T7', 99_999n)])
  await store.close()
  const state = await loadPlain(dir, prefetch)
  t.is(state.find((e) => e.token === 'T7')?.ts.seq, 99_999n, 'the save made after the read is there')
})

test('a small log is read in place, without a worker', async (t) => {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE)
  await store.save([entry('A', 1n)])
  await store.close()
  t.is(LogPrefetch.start(dir), undefined)
  t.is(LogPrefetch.start(join(dir, 'no-such-dir')), undefined)
})
