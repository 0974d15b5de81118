import test from 'ava'
import type { ExecutionContext } from 'ava'
import { Container } from 'inversify'
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidArgumentError, UnavailableError } from '../../../src/core/errors.js'
import { Persistence, type SyncEvent } from '../../../src/core/ports/persistence.js'
import type { PersistEntry } from '../../../src/core/protocol/outbox.js'
import { UINT64_MAX } from '../../../src/core/uint64.js'
import { DataDirError, LevelPersistence } from '../../../src/plugins/level-persistence/level-persistence.js'
import { LogPersistence } from '../../../src/plugins/log-persistence/log-persistence.js'
import { logPersistenceModule } from '../../../src/plugins/log-persistence/log-persistence-module.js'
import { frameRecords } from '../../../src/plugins/log-persistence/record-framing.js'
import { entryRecord } from '../../../src/plugins/log-persistence/log-records.js'
import { checkBinaryEntry, decodeBinaryEntry } from '../../../src/plugins/log-persistence/binary-entry-codec.js'

const NODE = '127.0.0.1:50051'
const OTHER = '127.0.0.1:50052'

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'log-persistence-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return join(dir, 'data')
}

const entry = (token: string, seq: bigint): PersistEntry => ({
  token,
  ts: { seq, epoch: 3n },
  value: { kind: 'empty' },
})
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

async function seqs(store: LogPersistence): Promise<Map<string, bigint>> {
  const entries = (await store.load()).sort((a, b) => (a.token < b.token ? -1 : 1))
  return new Map(entries.map((e) => [e.token, e.ts.seq]))
}

async function refused(t: ExecutionContext, dir: string, node: string, problem: RegExp): Promise<void> {
  const error = await t.throwsAsync(LogPersistence.open(dir, node), { instanceOf: DataDirError, message: problem })
  t.true(error instanceof UnavailableError)
}

const stateFile = async (dir: string): Promise<string> => {
  const names = (await readdir(dir)).filter((n) => /^state-\d+\.log$/.test(n))
  return join(dir, names.sort().at(-1)!)
}

test('reopen after close returns what was saved: exact bigints, UTF-8, uint64 max, and the epoch', async (t) => {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE)
  t.is(await store.nextEpoch(), 1n)
  await store.save([full, entry('P', 7n)])
  await store.close()
  const again = await LogPersistence.open(dir, NODE)
  t.deepEqual(
    (await again.load())
      .map(({ token, ts, value }) => ({ token, ts, value }))
      .sort((a, b) => (a.token < b.token ? -1 : 1)),
    [entry('P', 7n), full],
  )
  t.is(await again.nextEpoch(), 2n)
  await again.close()
})

test('saves arriving during a sync share the next synced write (group commit), and each resolves after it', async (t) => {
  const store = await LogPersistence.open(await tempDir(t), NODE)
  const events: SyncEvent[] = []
  store.observe((event) => events.push(event))
  await Promise.all(Array.from({ length: 300 }, (_, i) => store.save([entry(`K${i % 30}`, BigInt(i))])))
  t.is(
    events.reduce((sum, e) => sum + e.saves, 0),
    300,
  )
  t.true(events.length < 300 / 4, `${events.length} writes for 300 saves`)
  t.true(events.every((e) => e.entries <= 30 && e.syncMs >= 0))
  await store.close()
})

test('a dir owned by another node id is refused', async (t) => {
  const dir = await tempDir(t)
  await (await LogPersistence.open(dir, NODE)).close()
  await refused(t, dir, OTHER, /belongs to node 127\.0\.0\.1:50051, not to 127\.0\.0\.1:50052/)
  await t.notThrowsAsync(async () => (await LogPersistence.open(dir, NODE)).close())
})

test('a damaged record in the middle of the log, an unknown format or a foreign file is refused', async (t) => {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE)
  await store.save([entry('A', 1n)])
  await store.close()
  const file = await stateFile(dir)
  const original = await readFile(file)
  const cut = entryRecord(entry('B', 1n)).subarray(0, 12)
  await appendFile(file, Buffer.concat([frameRecords([cut]), frameRecords([entryRecord(entry('C', 1n))])]))
  await refused(t, dir, NODE, /the newest record of token "B" does not decode: record ends inside seq/)
  await writeFile(file, frameRecords([Buffer.from('H{"format":9,"node":"127.0.0.1:50051"}')]))
  await refused(t, dir, NODE, /format version 9; this build reads version 2 only/)
  await writeFile(file, original)
  await writeFile(join(dir, 'notes.txt'), 'mine')
  await refused(t, dir, NODE, /holds "notes\.txt", which is not a file of a data dir/)
})

test('a torn tail (a write cut short at any byte) is cut off: the earlier saves stay, the store goes on', async (t) => {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE)
  await store.save([entry('A', 1n)])
  await store.close()
  const file = await stateFile(dir)
  const whole = (await stat(file)).size
  const torn = Buffer.concat([frameRecords([entryRecord(entry('A', 2n))]), frameRecords([entryRecord(entry('B', 1n))])])
  for (let cut = 1; cut < torn.length; cut += 7) {
    await appendFile(file, torn.subarray(0, cut))
    const notices: unknown[] = []
    const again = await LogPersistence.open(dir, NODE, { notice: (_, details) => notices.push(details) })
    const loaded = await seqs(again)
    const firstWhole = cut >= torn.length / 2
    t.is(loaded.get('A'), firstWhole ? 2n : 1n, `cut at ${cut}`)
    t.false(loaded.has('B'))
    t.is(notices.length, firstWhole && cut === torn.length / 2 ? 0 : 1)
    await again.close()
    await truncate(file, whole)
  }
  const again = await LogPersistence.open(dir, NODE)
  await again.save([entry('C', 1n)])
  await again.close()
  t.deepEqual(
    await seqs(
      await LogPersistence.open(dir, NODE).then(async (s) => {
        t.teardown(() => s.close())
        return s
      }),
    ),
    new Map([
      ['A', 1n],
      ['C', 1n],
    ]),
  )
})

test('garbage longer than any interrupted write at the end of the log is refused as damage, not cut', async (t) => {
  const dir = await tempDir(t)
  const bounds = { maxEntries: 16, maxBytes: 1024 }
  await (await LogPersistence.open(dir, NODE, { bounds })).close()
  await appendFile(await stateFile(dir), Buffer.alloc(8192, 0xab))
  const error = await t.throwsAsync(LogPersistence.open(dir, NODE, { bounds }), { instanceOf: DataDirError })
  t.regex(error!.message, /8192 bytes after offset \d+ are not whole records/)
})

test('the log is rewritten as a new generation once it outgrows the live state; nothing is lost', async (t) => {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE, { compactMinBytes: 4096 })
  t.is(await store.nextEpoch(), 1n)
  for (let i = 0; i < 400; i++) await store.save([entry(`K${i % 5}`, BigInt(i))])
  const names = await readdir(dir)
  t.deepEqual(names.filter((n) => n.startsWith('state-')).length, 1)
  t.notDeepEqual(
    names.filter((n) => n.startsWith('state-')),
    ['state-1.log'],
    'a later generation',
  )
  t.true((await stat(await stateFile(dir))).size < 4096 * 2)
  await store.close()
  const again = await LogPersistence.open(dir, NODE)
  t.deepEqual(
    await seqs(again),
    new Map([
      ['K0', 395n],
      ['K1', 396n],
      ['K2', 397n],
      ['K3', 398n],
      ['K4', 399n],
    ]),
  )
  t.is(await again.nextEpoch(), 2n)
  await again.close()
})

test('saves made while a compaction writes its snapshot are in the new generation', async (t) => {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE, { compactMinBytes: 4096 })
  const latest = new Map<string, bigint>()
  // Waves of concurrent saves: group commits go on while each compaction's snapshot is written aside. Hot tokens
  // grow the log; each wave also saves two tokens once only, which a lost append would leave missing.
  for (let wave = 0; wave < 300; wave++) {
    const saves: Promise<void>[] = []
    for (let i = 0; i < 8; i++) {
      const token = i < 2 ? `once-${wave}-${i}` : `hot-${i}`
      const seq = BigInt(wave * 8 + i)
      latest.set(token, seq)
      saves.push(store.save([entry(token, seq)]))
    }
    await Promise.all(saves)
  }
  t.true(store.compactions.switched >= 2, `compactions: ${JSON.stringify(store.compactions)}`)
  t.true(store.compactions.capturedFrames > 0, 'some saves landed while a snapshot was being written')
  await store.close()
  const again = await LogPersistence.open(dir, NODE)
  const sorted = (map: Map<string, bigint>) => [...map].sort(([a], [b]) => a.localeCompare(b))
  t.deepEqual(sorted(await seqs(again)), sorted(latest))
  await again.close()
})

test('a compaction cut short (its temporary file left behind) is ignored and removed', async (t) => {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE)
  await store.save([entry('A', 1n)])
  await store.close()
  await writeFile(join(dir, 'state-2.log.tmp'), frameRecords([Buffer.from('H{"format":2')]))
  const again = await LogPersistence.open(dir, NODE)
  t.deepEqual(await seqs(again), new Map([['A', 1n]]))
  t.false((await readdir(dir)).includes('state-2.log.tmp'))
  await again.close()
})

test('a LevelDB data dir of the previous release is migrated once: entries and epoch carried over', async (t) => {
  const dir = await tempDir(t)
  const level = await LevelPersistence.open(dir, NODE)
  await level.save([full, entry('P', 7n)])
  t.is(await level.nextEpoch(), 1n)
  t.is(await level.nextEpoch(), 2n)
  await level.close()
  const notices: string[] = []
  const store = await LogPersistence.open(dir, NODE, { notice: (message) => notices.push(message) })
  t.deepEqual(
    await seqs(store),
    new Map([
      ['P', 7n],
      [full.token, full.ts.seq],
    ]),
  )
  t.is(await store.nextEpoch(), 3n)
  t.deepEqual(notices, ['data dir migrated from LevelDB to the append-only log'])
  await store.close()
  t.deepEqual((await readdir(dir)).sort(), ['state-1.log'])
})

test("a dir open in this process or held by a live process is refused; a dead holder's lock is taken over", async (t) => {
  const dir = await tempDir(t)
  const store = await LogPersistence.open(dir, NODE)
  await refused(t, dir, NODE, /already open in this process/)
  await store.close()
  await writeFile(join(dir, 'LOCK'), `${process.ppid}\n`)
  await refused(t, dir, NODE, new RegExp(`locked by process ${process.ppid}, which is running`))
  await writeFile(join(dir, 'LOCK'), '2147483646\n')
  await t.notThrowsAsync(async () => (await LogPersistence.open(dir, NODE)).close())
})

test('a lock naming a live pid that started at another time (a reused pid) or a zombie is taken over', async (t) => {
  if (process.platform !== 'linux') return t.pass('needs /proc')
  const dir = await tempDir(t)
  await (await LogPersistence.open(dir, NODE)).close()
  const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8')
  const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  await writeFile(join(dir, 'LOCK'), `${process.ppid}\n${startTime}\n`)
  await refused(t, dir, NODE, new RegExp(`locked by process ${process.ppid}, which is running`))
  await writeFile(join(dir, 'LOCK'), `${process.ppid}\n${Number(startTime) + 1}\n`)
  await t.notThrowsAsync(
    async () => (await LogPersistence.open(dir, NODE)).close(),
    'the pid now names another process',
  )
  // A process that exited under a parent that never waits for it (`sleep` here, as a killed node under an init
  // that reaps nothing): a zombie while that parent lives.
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] })
  t.teardown(() => parent.kill())
  const zombie = Number(
    await new Promise<string>((resolve) => parent.stdout.once('data', (data: Buffer) => resolve(String(data)))),
  )
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.true(readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z '), 'the exited child is a zombie while unreaped')
  await writeFile(join(dir, 'LOCK'), `${zombie}\n`)
  await t.notThrowsAsync(async () => (await LogPersistence.open(dir, NODE)).close(), 'a zombie holds no lock')
})

test('after close, saves and loads fail unavailable; close is idempotent', async (t) => {
  const store = await LogPersistence.open(await tempDir(t), NODE)
  await store.close()
  await t.throwsAsync(store.save([entry('A', 1n)]), { instanceOf: UnavailableError })
  await t.throwsAsync(store.load(), { instanceOf: UnavailableError })
  await t.notThrowsAsync(store.close())
})

test('an empty existing dir becomes a new log; a path that is a file is refused', async (t) => {
  const dir = await tempDir(t)
  await mkdir(dir)
  await t.notThrowsAsync(async () => (await LogPersistence.open(dir, NODE)).close())
  const file = join(dir, '..', 'plain-file')
  await writeFile(file, 'x')
  await refused(t, file, NODE, /exists but is not a directory/)
})

test('the module binds Persistence and LogPersistence to one instance', async (t) => {
  const container = new Container()
  container.load(logPersistenceModule(await tempDir(t), NODE))
  const store = container.get<Persistence>(Persistence)
  t.is(store, container.get(LogPersistence))
  await store.close()
})

/** A token entry with a partial and no final, and an empty name. */
const partialOnly: PersistEntry = {
  token: 'P',
  ts: { seq: 7n, epoch: 0n },
  value: {
    kind: 'token',
    token: { name: '', low: 5n, mid: 5n, high: 6n, partial: { nonce: 5n, hash: 1n }, final: undefined },
  },
}

test('the binary entry codec round-trips exact values (uint64 max, UTF-8, lone surrogates) and refuses cut or padded records', (t) => {
  const lone: PersistEntry = { token: 'x\ud800y', ts: { seq: 1n, epoch: 1n }, value: { kind: 'absent' } }
  for (const value of [full, partialOnly, lone, entry('E', 0n)]) {
    const record = entryRecord(value)
    t.deepEqual(decodeBinaryEntry(record), value)
    for (let cut = 1; cut < record.length; cut++) {
      t.throws(() => decodeBinaryEntry(record.subarray(0, cut)), {
        instanceOf: InvalidArgumentError,
        message: /record ends inside/,
      })
    }
    t.throws(() => decodeBinaryEntry(Buffer.concat([record, Buffer.of(0)])), { message: /1 bytes after the entry/ })
  }
})

/** What decoding `record` throws, or undefined. */
function problemOf(read: (record: Buffer) => unknown, record: Buffer): string | undefined {
  try {
    read(record)
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

test('the check a restart makes of each record refuses exactly the records decoding refuses, with the same message', (t) => {
  let refusedCount = 0
  for (const value of [full, partialOnly, entry('E', 0n), { ...entry('A', 1n), value: { kind: 'absent' as const } }]) {
    const record = entryRecord(value)
    const variants = [record, Buffer.concat([record, Buffer.of(0)])]
    for (let cut = 1; cut < record.length; cut++) variants.push(record.subarray(0, cut))
    // Every byte after the prefix set to values that break lengths, kinds and flags.
    for (let at = 1; at < record.length; at++) {
      for (const byte of [0, 1, 2, 3, 4, 0x7f, 0xff]) {
        const mutated = Buffer.from(record)
        mutated[at] = byte
        variants.push(mutated)
      }
    }
    for (const variant of variants) {
      const problem = problemOf(decodeBinaryEntry, variant)
      if (problem !== undefined) refusedCount++
      t.is(problemOf(checkBinaryEntry, variant), problem, variant.toString('hex'))
    }
  }
  t.true(refusedCount > 100, 'the variants include many records decoding refuses')
})
