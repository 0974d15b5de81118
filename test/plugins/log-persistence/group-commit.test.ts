import test from 'ava'
import type { PersistEntry } from '../../../src/core/protocol/outbox.js'
import { type EncodedEntry, GroupCommit } from '../../../src/plugins/log-persistence/group-commit.js'

const entry = (token: string, seq: number): PersistEntry => ({
  token,
  ts: { seq: BigInt(seq), epoch: 1n },
  value: { kind: 'empty' },
})
const encode = (e: PersistEntry): string => `${e.token}@${e.ts.seq}`

/** A write the test completes by hand: every call is recorded with its batch and a way to finish it. */
function manualWrites(): {
  calls: { batch: readonly EncodedEntry[]; finish(error?: Error): void }[]
  write(batch: readonly EncodedEntry[]): Promise<void>
} {
  const calls: { batch: readonly EncodedEntry[]; finish(error?: Error): void }[] = []
  return {
    calls,
    write: (batch) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ batch, finish: (error) => (error === undefined ? resolve() : reject(error)) })
      }),
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

test('saves made while a write is in flight wait, then share the next write; none resolves before its own write', async (t) => {
  const writes = manualWrites()
  const commits = new GroupCommit(writes.write)
  const resolved: number[] = []
  const saves = [0, 1, 2, 3].map((i) =>
    commits.save([entry(`T${i}`, i)], encode).then(() => {
      resolved.push(i)
    }),
  )
  await tick()
  t.deepEqual(
    writes.calls.map((c) => c.batch.map((e) => e.record)),
    [['T0@0']],
  )
  t.deepEqual(resolved, [])
  writes.calls[0]!.finish()
  await tick()
  t.deepEqual(resolved, [0])
  t.deepEqual(
    writes.calls[1]!.batch.map((e) => e.record),
    ['T1@1', 'T2@2', 'T3@3'],
  )
  writes.calls[1]!.finish()
  await Promise.all(saves)
  t.deepEqual(resolved, [0, 1, 2, 3])
})

test("within one write a token's last saved record wins", async (t) => {
  const writes = manualWrites()
  const commits = new GroupCommit(writes.write)
  const first = commits.save([entry('A', 1)], encode)
  const rest = [commits.save([entry('A', 2), entry('B', 1)], encode), commits.save([entry('A', 3)], encode)]
  await tick()
  writes.calls[0]!.finish()
  await first
  await tick()
  t.deepEqual(
    writes.calls[1]!.batch.map((e) => e.record),
    ['B@1', 'A@3'],
  )
  writes.calls[1]!.finish()
  await Promise.all(rest)
})

test('a write carries whole saves up to its bounds; a save larger than the bounds still goes, alone and whole', async (t) => {
  const writes = manualWrites()
  const commits = new GroupCommit(writes.write, { maxEntries: 3, maxBytes: 1 << 20 })
  const saves = [
    commits.save([entry('X', 0)], encode),
    commits.save([entry('A', 1), entry('B', 1)], encode),
    commits.save([entry('C', 1), entry('D', 1)], encode),
    commits.save(
      [1, 2, 3, 4, 5].map((i) => entry(`E${i}`, 1)),
      encode,
    ),
  ]
  for (let i = 0; i < 4; i++) {
    await tick()
    writes.calls[i]!.finish()
  }
  await Promise.all(saves)
  t.deepEqual(
    writes.calls.map((c) => c.batch.length),
    [1, 2, 2, 5],
  )
})

test('a failed write rejects exactly its own saves; the next saves are written', async (t) => {
  const writes = manualWrites()
  const commits = new GroupCommit(writes.write)
  const first = commits.save([entry('A', 1)], encode)
  const second = commits.save([entry('B', 1)], encode)
  await tick()
  writes.calls[0]!.finish(new Error('disk full'))
  await t.throwsAsync(first, { message: 'disk full' })
  await tick()
  writes.calls[1]!.finish()
  await t.notThrowsAsync(second)
})

test('flushed resolves once every save made so far is written', async (t) => {
  const writes = manualWrites()
  const commits = new GroupCommit(writes.write)
  void commits.save([entry('A', 1)], encode)
  void commits.save([entry('B', 1)], encode)
  let flushed = false
  const done = commits.flushed().then(() => {
    flushed = true
  })
  await tick()
  writes.calls[0]!.finish()
  await tick()
  t.false(flushed)
  writes.calls[1]!.finish()
  await done
  t.true(flushed)
})
