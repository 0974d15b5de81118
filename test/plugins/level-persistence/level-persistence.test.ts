import test from 'ava'
import type { ExecutionContext } from 'ava'
import { ClassicLevel } from 'classic-level'
import { Container } from 'inversify'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidArgumentError, UnavailableError } from '../../../src/core/errors.js'
import { Persistence } from '../../../src/core/ports/persistence.js'
import type { PersistEntry } from '../../../src/core/protocol/outbox.js'
import { UINT64_MAX } from '../../../src/core/uint64.js'
import { decodeEntry, encodeEntry } from '../../../src/plugins/level-persistence/entry-codec.js'
import { DataDirError, LevelPersistence } from '../../../src/plugins/level-persistence/level-persistence.js'
import { levelPersistenceModule } from '../../../src/plugins/level-persistence/level-persistence-module.js'

const NODE = '127.0.0.1:50051'
const OTHER = '127.0.0.1:50052'

/** A fresh parent dir, removed after the test; the store's dir inside it does not exist yet. */
async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'level-persistence-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return join(dir, 'data')
}

/** Writes raw records with classic-level itself, as a damaged disk or a foreign tool would. */
async function putRaw(dir: string, records: Record<string, string>): Promise<void> {
  const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  await db.batch(
    Object.entries(records).map(([key, value]) => ({ type: 'put' as const, key, value })),
    { sync: true },
  )
  await db.close()
}

async function refused(t: ExecutionContext, dir: string, node: string, problem: RegExp): Promise<void> {
  const error = await t.throwsAsync(LevelPersistence.open(dir, node), { instanceOf: DataDirError, message: problem })
  t.true(error instanceof UnavailableError)
  t.is(error?.name, 'DataDirError')
  t.true(error?.message.startsWith(`data dir ${dir}: `), error?.message)
}

const full: PersistEntry = {
  token: 'トークン/🎲',
  ts: { seq: UINT64_MAX, epoch: UINT64_MAX - 1n },
  value: {
    kind: 'token',
    token: {
      name: 'naïve 名前 🎲',
      low: 0n,
      mid: UINT64_MAX - 1n,
      high: UINT64_MAX,
      partial: { nonce: 9007199254740993n, hash: UINT64_MAX },
      final: { nonce: UINT64_MAX - 1n, hash: 0n },
    },
  },
}
const partialOnly: PersistEntry = {
  token: 'P',
  ts: { seq: 7n, epoch: 0n },
  value: { kind: 'token', token: { name: '', low: 5n, mid: 5n, high: 6n, partial: undefined, final: undefined } },
}
const byToken = (entries: PersistEntry[]): PersistEntry[] => [...entries].sort((a, b) => (a.token < b.token ? -1 : 1))

test('reopen after close returns what was saved: exact bigints, UTF-8, uint64 max', async (t) => {
  const dir = await tempDir(t)
  const store = await LevelPersistence.open(dir, NODE)
  await store.save([full, { token: 'A', ts: { seq: 1n, epoch: 1n }, value: { kind: 'absent' } }])
  await store.save([partialOnly, { token: 'E', ts: { seq: 2n, epoch: 3n }, value: { kind: 'empty' } }])
  await store.close()
  const reopened = await LevelPersistence.open(dir, NODE)
  const expected = byToken([
    full,
    partialOnly,
    { token: 'A', ts: { seq: 1n, epoch: 1n }, value: { kind: 'absent' } },
    { token: 'E', ts: { seq: 2n, epoch: 3n }, value: { kind: 'empty' } },
  ])
  t.deepEqual(byToken(await reopened.load()), expected)
  t.deepEqual(byToken(await reopened.load()), expected) // the second load reads the database, not the preload
  await reopened.close()
})

test('a dir owned by another node id is refused, and stays usable by its owner', async (t) => {
  const dir = await tempDir(t)
  const store = await LevelPersistence.open(dir, NODE)
  await store.save([partialOnly])
  await store.close()
  await refused(t, dir, OTHER, /belongs to node 127\.0\.0\.1:50051, not to 127\.0\.0\.1:50052/)
  const owner = await LevelPersistence.open(dir, NODE)
  t.deepEqual(await owner.load(), [partialOnly])
  await owner.close()
})

test('a corrupt record is refused on reopen, naming the record and the field', async (t) => {
  const dir = await tempDir(t)
  const store = await LevelPersistence.open(dir, NODE)
  await store.save([partialOnly])
  await store.close()
  await putRaw(dir, { 't/X': '\u0000garbage{' })
  await refused(t, dir, NODE, /record "t\/X" does not decode: record is not JSON/)
  await putRaw(dir, { 't/X': encodeEntry(partialOnly).replace('"seq":"7"', '"seq":"-7"') })
  await refused(t, dir, NODE, /record "t\/X" does not decode: ts\.seq must be a decimal uint64, got "-7"/)
  await putRaw(dir, { 't/X': encodeEntry({ ...partialOnly, token: 'Y' }) })
  await refused(t, dir, NODE, /record "t\/X" holds token "Y"/)
})

test('an unknown format version, a bad meta record or a bad epoch record is refused', async (t) => {
  const dir = await tempDir(t)
  await (await LevelPersistence.open(dir, NODE)).close()
  await putRaw(dir, { meta: JSON.stringify({ format: 2, node: NODE }) })
  await refused(t, dir, NODE, /has format version 2; this build reads version 1 only/)
  await putRaw(dir, { meta: 'not json' })
  await refused(t, dir, NODE, /meta record does not decode/)
  await putRaw(dir, { meta: JSON.stringify({ format: 1, node: NODE }), epoch: 'x' })
  await refused(t, dir, NODE, /epoch record does not decode/)
})

test('a LevelDB database with records but no meta record is refused, not claimed', async (t) => {
  const dir = await tempDir(t)
  await putRaw(dir, { 't/T': encodeEntry(partialOnly) })
  await refused(t, dir, NODE, /has records \(first: "t\/T"\) but no meta record/)
})

test('a dir that is not a LevelDB database is refused and left untouched', async (t) => {
  const dir = await tempDir(t)
  await mkdir(dir)
  await writeFile(join(dir, 'notes.txt'), 'mine')
  await refused(t, dir, NODE, /is not a LevelDB database \(no CURRENT file, and it holds "notes\.txt"\)/)
  t.deepEqual(await readdir(dir), ['notes.txt'])
  const file = join(dir, 'notes.txt')
  await refused(t, file, NODE, /exists but is not a directory/)
})

test('an existing empty dir becomes a new database', async (t) => {
  const dir = await tempDir(t)
  await mkdir(dir)
  const store = await LevelPersistence.open(dir, NODE)
  t.deepEqual(await store.load(), [])
  await store.close()
})

test('a dir already open in another store is refused (LevelDB lock)', async (t) => {
  const dir = await tempDir(t)
  const store = await LevelPersistence.open(dir, NODE)
  await refused(t, dir, NODE, /cannot open the LevelDB database/)
  await store.close()
})

test('nextEpoch is strictly increasing, across reopens too', async (t) => {
  const dir = await tempDir(t)
  const first = await LevelPersistence.open(dir, NODE)
  t.is(await first.nextEpoch(), 1n)
  t.is(await first.nextEpoch(), 2n)
  await first.close()
  const second = new LevelPersistence(dir, NODE) // opens lazily
  const epochs = await Promise.all([second.nextEpoch(), second.nextEpoch(), second.nextEpoch()])
  t.deepEqual(epochs, [3n, 4n, 5n])
  await second.close()
  const third = await LevelPersistence.open(dir, NODE)
  t.is(await third.nextEpoch(), 6n)
  t.deepEqual(await third.load(), []) // the epoch is no token
  await third.close()
})

test('concurrent saves keep call order: the last write for a token wins, durably', async (t) => {
  const dir = await tempDir(t)
  const store = new LevelPersistence(dir, NODE) // the first saves also wait for the lazy open
  const entryAt = (seq: number): PersistEntry => ({
    token: 'T',
    ts: { seq: BigInt(seq), epoch: 1n },
    value: { kind: 'empty' },
  })
  const saves = Array.from({ length: 100 }, (_, i) => store.save([entryAt(i)]))
  await store.close() // waits for the queued saves
  await Promise.all(saves)
  const reopened = await LevelPersistence.open(dir, NODE)
  t.deepEqual(await reopened.load(), [entryAt(99)])
  await reopened.close()
})

test('after close, saves and loads fail unavailable; close is idempotent', async (t) => {
  const dir = await tempDir(t)
  const store = await LevelPersistence.open(dir, NODE)
  await store.close()
  await store.close()
  await t.throwsAsync(store.save([partialOnly]), { instanceOf: UnavailableError, message: /is closed/ })
  await t.throwsAsync(store.load(), { instanceOf: UnavailableError, message: /is closed/ })
})

test('the module binds Persistence and LevelPersistence to one instance', async (t) => {
  const dir = await tempDir(t)
  const container = new Container()
  container.load(levelPersistenceModule(dir, NODE))
  const persistence = container.get<Persistence>(Persistence)
  t.is(container.get<Persistence>(Persistence), persistence)
  t.true(container.get(LevelPersistence) === persistence)
  await persistence.save([partialOnly])
  t.deepEqual(await persistence.load(), [partialOnly])
  await persistence.close()
})

test('the codec round-trips and rejects malformed records with the field path', (t) => {
  t.deepEqual(decodeEntry(encodeEntry(full)), full)
  t.deepEqual(decodeEntry(encodeEntry(partialOnly)), partialOnly)
  const bad = (text: string, message: RegExp): void => {
    t.throws(() => decodeEntry(text), { instanceOf: InvalidArgumentError, message })
  }
  bad('[]', /^record must be an object$/)
  bad('{"token":1}', /^token must be a string$/)
  bad(
    '{"token":"T","ts":{"seq":"1","epoch":"1"},"value":{"kind":"gone"}}',
    /value\.kind must be empty, absent or token/,
  )
  bad(
    encodeEntry(full).replace(`"high":"${UINT64_MAX}"`, `"high":"${UINT64_MAX + 1n}"`),
    /value\.token\.high exceeds 2\^64-1/,
  )
  bad(encodeEntry(full).replace('"hash":"0"', '"hash":0'), /value\.token\.final\.hash must be a string/)
})
