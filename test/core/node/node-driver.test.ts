import test from 'ava'
import { NodeDriver } from '../../../src/core/node/node-driver.js'
import type { ArgminRequest, Hasher } from '../../../src/core/ports/hasher.js'
import type { Persistence, SyncEvent } from '../../../src/core/ports/persistence.js'
import { NO_METRICS } from '../../../src/core/ports/metrics.js'
import type { PersistEntry } from '../../../src/core/protocol/outbox.js'
import type { Envelope } from '../../../src/core/protocol/messages.js'
import { ZERO_TIMESTAMP } from '../../../src/core/protocol/timestamp.js'
import { EMPTY } from '../../../src/core/token/token-value.js'
import { RegisterNode } from '../../../src/core/protocol/register-node.js'
import type { OpResult } from '../../../src/core/protocol/operations.js'
import { ReplicationScheme } from '../../../src/core/scheme/replication-scheme.js'
import type { Argmin } from '../../../src/core/token/argmin.js'
import { ScheduledFailureInjector } from '../../../src/plugins/failure/scheduled-failure-injector.js'
import { InlineHasher } from '../../../src/plugins/inline-hasher/inline-hasher.js'
import { MemoryPersistence } from '../../../src/plugins/memory-persistence/memory-persistence.js'
import { MajorityQuorum } from '../../../src/plugins/quorum/majority-quorum.js'
import { SimulatedTime } from '../../../src/plugins/in-process/simulated-time.js'

const A = 'a:1'
const B = 'b:1'
const C = 'c:1'
const write = { type: 'write' as const, name: 'abc', low: 0n, mid: 10n, high: 100n }

/** A one-node cluster (quorum 1): the driver's own behaviour, with no network in the way. */
function soloDriver(ports: { persistence?: Persistence; hasher?: Hasher } = {}) {
  const time = new SimulatedTime()
  const scheme = new ReplicationScheme([
    { token: 'T', writer: A, readers: [A] },
    { token: 'U', writer: A, readers: [A] },
  ])
  const node = new RegisterNode({
    self: A,
    scheme,
    quorum: new MajorityQuorum(),
    epoch: 1n,
    maxDomainSize: 10n ** 8n,
    limits: { maxQueuedWrites: 8, maxConcurrentReads: 8 },
  })
  const transport = { start: async () => {}, send: () => {}, stop: async () => {} }
  const driver = new NodeDriver(
    node,
    {
      transport,
      persistence: ports.persistence ?? new MemoryPersistence(),
      hasher: ports.hasher ?? new InlineHasher(),
      clock: time,
      failures: new ScheduledFailureInjector(),
    },
    { maxOperationMs: 10_000, maxParked: 8 },
  )
  return { driver, time }
}

/** A hasher that answers only when the test says so, and records aborts. */
class HeldHasher implements Hasher {
  readonly held: {
    request: ArgminRequest
    signal: AbortSignal
    resolve: (a: Argmin | undefined) => void
    reject: (e: Error) => void
  }[] = []
  argmin(request: ArgminRequest, signal: AbortSignal): Promise<Argmin | undefined> {
    return new Promise((resolve, reject) => {
      this.held.push({ request, signal, resolve, reject })
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
    })
  }

  async close(): Promise<void> {}
}

const flush = () => new Promise((resolve) => setImmediate(resolve))

test('a replica that cannot persist fails the operation and goes silent for that token only', async (t) => {
  class FailingPersistence implements Persistence {
    readonly memory = new MemoryPersistence()
    fail = false
    load = () => this.memory.load()
    close = () => this.memory.close()
    save(entries: readonly PersistEntry[]): Promise<void> | undefined {
      return this.fail ? Promise.reject(new Error('disk full')) : this.memory.save(entries)
    }
  }
  const persistence = new FailingPersistence()
  const { driver } = soloDriver({ persistence })
  await driver.start()
  persistence.fail = true
  await t.throwsAsync(driver.execute('T', write, { timeoutMs: 1000 }), {
    message: /could not persist: Error: disk full/,
  })
  t.true(driver.status().find((s) => s.token === 'T')!.silent, 'T crash-stopped on this node')
  persistence.fail = false
  const other: OpResult = await driver.execute('U', write, { timeoutMs: 1000 })
  t.is(other.type, 'write', 'U is still served')
  await driver.stop()
})

test('a caller that cancels a write stops its hash job at once; the next write proceeds', async (t) => {
  const hasher = new HeldHasher()
  const { driver } = soloDriver({ hasher })
  await driver.start()
  const controller = new AbortController()
  const first = driver.execute('T', write, { timeoutMs: 5000, signal: controller.signal })
  const second = driver.execute('T', { ...write, name: 'second' }, { timeoutMs: 5000 })
  await flush()
  t.is(hasher.held.length, 1)
  controller.abort()
  await t.throwsAsync(first, { message: /cancelled/ })
  t.true(hasher.held[0]!.signal.aborted, 'the hash job was aborted, not left to run to its deadline')
  await flush()
  t.is(hasher.held.length, 2, 'the queued write started hashing')
  hasher.held[1]!.resolve({ nonce: 4n, hash: 1n })
  const result = await second
  t.is(result.type === 'write' ? result.ts.seq : -1n, 1n)
  await driver.stop()
})

test('cancel(opId) from submit fails the operation as cancelled and stops its hash job; a finished op is a no-op', async (t) => {
  const hasher = new HeldHasher()
  const { driver } = soloDriver({ hasher })
  await driver.start()
  const outcomes: string[] = []
  const opId = driver.submit('T', write, { timeoutMs: 5000 }, (error) => outcomes.push(error?.code ?? 'ok'))
  t.not(opId, undefined, 'a write waiting for its hash is still running')
  await flush()
  driver.cancel(opId!)
  t.deepEqual(outcomes, ['cancelled'])
  t.true(hasher.held[0]!.signal.aborted, 'the hash job was aborted')
  driver.cancel(opId!)
  t.deepEqual(outcomes, ['cancelled'], 'done runs exactly once')
  const late = driver.submit('U', { type: 'create' }, { timeoutMs: 5000 }, () => {})
  t.is(late, undefined, 'an operation answered in place has no id left to cancel')
  await driver.stop()
})

test('a hasher failure fails the waiting write at once instead of at its deadline', async (t) => {
  const hasher = new HeldHasher()
  const { driver } = soloDriver({ hasher })
  await driver.start()
  const pending = driver.execute('T', write, { timeoutMs: 60_000 })
  await flush()
  hasher.held[0]!.reject(new Error('worker exited'))
  await t.throwsAsync(pending, { message: /hashing failed \(worker exited\)/ })
  t.is(driver.status().find((s) => s.token === 'T')!.pending, 0)
  await driver.stop()
})

test('the driver tells the protocol the clock stood still when wall time ran ahead of monotonic time (suspend)', async (t) => {
  const time = new SimulatedTime()
  let wallOffsetMs = 0
  const clock = {
    nowMs: () => time.nowMs(),
    wallMs: () => 1_700_000_000_000 + time.nowMs() + wallOffsetMs,
    setTimer: (delayMs: number, callback: () => void) => time.setTimer(delayMs, callback),
  }
  const scheme = new ReplicationScheme([{ token: 'T', writer: A, readers: [A] }])
  const node = new RegisterNode({
    self: A,
    scheme,
    quorum: new MajorityQuorum(),
    epoch: 1n,
    maxDomainSize: 10n ** 8n,
    limits: { maxQueuedWrites: 8, maxConcurrentReads: 8 },
  })
  const transport = { start: async () => {}, send: () => {}, stop: async () => {} }
  const driver = new NodeDriver(
    node,
    {
      transport,
      persistence: new MemoryPersistence(),
      hasher: new InlineHasher(),
      clock,
      failures: new ScheduledFailureInjector(),
    },
    { maxOperationMs: 10_000, maxParked: 8, stallThresholdMs: 10 },
  )
  await driver.start()
  await driver.execute('T', write, { timeoutMs: 1_000 })
  t.is(driver.clockStalls, 0)
  time.run(time.nowMs() + 50)
  wallOffsetMs += 5 // within the threshold: NTP slewing, rounding
  await driver.execute('T', { type: 'read' }, { timeoutMs: 1_000 })
  t.is(driver.clockStalls, 0)
  wallOffsetMs += 30_000 // the VM was paused for 30 s: monotonic time did not move
  await driver.execute('T', { type: 'read' }, { timeoutMs: 1_000 })
  t.is(driver.clockStalls, 1, 'noticed before the read was served')
  wallOffsetMs -= 60_000 // a wall clock stepped back is no stall
  await driver.execute('T', { type: 'read' }, { timeoutMs: 1_000 })
  t.is(driver.clockStalls, 1)
})

test('steps hand their entries to the store at once (group commit), yet answer only after their own save, in order', async (t) => {
  class HeldPersistence implements Persistence {
    readonly memory = new MemoryPersistence()
    readonly held: { tokens: string[]; resolve: () => void }[] = []
    load = () => this.memory.load()
    close = () => this.memory.close()
    save(entries: readonly PersistEntry[]): Promise<void> {
      return new Promise((resolve) => this.held.push({ tokens: entries.map((e) => e.token), resolve }))
    }
  }
  const persistence = new HeldPersistence()
  const hasher = new HeldHasher()
  const { driver } = soloDriver({ persistence, hasher })
  await driver.start()
  const answered: string[] = []
  const writes = ['T', 'U'].map((token) =>
    driver.execute(token, write, { timeoutMs: 5000 }).then(() => {
      answered.push(token)
    }),
  )
  await flush()
  for (const job of hasher.held) job.resolve({ nonce: 4n, hash: 1n })
  await flush()
  t.deepEqual(
    persistence.held.map((h) => h.tokens),
    [['T'], ['U']],
    'the second save did not wait for the first',
  )
  t.deepEqual(answered, [])
  persistence.held[0]!.resolve()
  await flush()
  t.deepEqual(answered, ['T'], 'U waits for its own save')
  persistence.held[1]!.resolve()
  await Promise.all(writes)
  t.deepEqual(answered, ['T', 'U'])
  await driver.stop()
})

test("a durable store's synced writes reach the metrics", (t) => {
  const seen: unknown[] = []
  const persistence = Object.assign(new MemoryPersistence(), {
    listener: undefined as ((event: SyncEvent) => void) | undefined,
    observe(listener: (event: SyncEvent) => void) {
      this.listener = listener
    },
  })
  const metrics = {
    ...NO_METRICS,
    synced: (event: SyncEvent) => {
      seen.push(event)
    },
  }
  const time = new SimulatedTime()
  const scheme = new ReplicationScheme([{ token: 'T', writer: A, readers: [A] }])
  const node = new RegisterNode({
    self: A,
    scheme,
    quorum: new MajorityQuorum(),
    epoch: 1n,
    maxDomainSize: 10n,
    limits: { maxQueuedWrites: 8, maxConcurrentReads: 8 },
  })
  const transport = { start: async () => {}, send: () => {}, stop: async () => {} }
  new NodeDriver(
    node,
    {
      transport,
      persistence,
      hasher: new InlineHasher(),
      clock: time,
      failures: new ScheduledFailureInjector(),
      metrics,
    },
    { maxOperationMs: 1000, maxParked: 8 },
  )
  persistence.listener?.({ saves: 3, entries: 2, bytes: 100, syncMs: 1 })
  t.deepEqual(seen, [{ saves: 3, entries: 2, bytes: 100, syncMs: 1 }])
})

test('a pending save holds back the effects about its own token only', async (t) => {
  class HeldPersistence implements Persistence {
    readonly memory = new MemoryPersistence()
    readonly held: (() => void)[] = []
    hold = false
    load = () => this.memory.load()
    close = () => this.memory.close()
    /** Saves of T wait for the test while `hold` is set; every other save is in place. */
    save(entries: readonly PersistEntry[]): Promise<void> | undefined {
      if (!this.hold || !entries.some((e) => e.token === 'T')) return this.memory.save(entries)
      return new Promise((resolve) => this.held.push(resolve))
    }
  }
  const persistence = new HeldPersistence()
  const { driver } = soloDriver({ persistence })
  await driver.start()
  await driver.execute('U', write, { timeoutMs: 5000 })
  persistence.hold = true
  let wroteT = false
  const writeT = driver.execute('T', write, { timeoutMs: 5000 }).then(() => {
    wroteT = true
  })
  await flush()
  t.is(persistence.held.length, 1, "T's save is pending")
  const readU = await driver.execute('U', { type: 'read' }, { timeoutMs: 5000 })
  t.is(readU.type, 'read', "U is read while T's save is pending")
  t.false(wroteT)
  persistence.held[0]!()
  await writeT
  t.true(wroteT)
  await driver.stop()
})

test('requests parked on a silent token count as pending in its status until their deadline releases them', async (t) => {
  const { driver, time } = soloDriver()
  await driver.start()
  driver.silenceAfter('T', 0)
  const parked = [1, 2, 3].map(() =>
    driver.execute('T', { type: 'read' }, { timeoutMs: 500 }).catch((error: Error) => error),
  )
  const pendingOf = (token: string) => driver.status().find((s) => s.token === token)!.pending
  t.is(pendingOf('T'), 3)
  t.is(pendingOf('U'), 0)
  t.is(driver.parked, 3)
  time.run(600)
  await flush()
  t.true((await Promise.all(parked)).every((outcome) => outcome instanceof Error))
  t.is(pendingOf('T'), 0)
  t.is(driver.parked, 0)
  await driver.stop()
})

/** Node A, writer of T with readers A, B and C, on a transport the test plays B and C on; A's saves wait for the test. */
async function writerWithHeldSaves(storesBeforeSave: boolean) {
  const held: { resolve: () => void; reject: (error: Error) => void }[] = []
  const persistence: Persistence = {
    load: async () => [],
    close: async () => {},
    save: () => new Promise<void>((resolve, reject) => held.push({ resolve, reject })),
  }
  const sent: Envelope[] = []
  let deliver: (envelope: Envelope) => void = () => {}
  const transport = {
    start: async (_self: string, handler: (envelope: Envelope) => void) => {
      deliver = handler
    },
    send: (envelope: Envelope) => {
      sent.push(envelope)
    },
    stop: async () => {},
  }
  const node = new RegisterNode({
    self: A,
    scheme: new ReplicationScheme([{ token: 'T', writer: A, readers: [A, B, C] }]),
    quorum: new MajorityQuorum(),
    epoch: 1n,
    maxDomainSize: 10n ** 8n,
    limits: { maxQueuedWrites: 8, maxConcurrentReads: 8 },
    storesBeforeSave,
  })
  const driver = new NodeDriver(
    node,
    {
      transport,
      persistence,
      hasher: new InlineHasher(),
      clock: new SimulatedTime(),
      failures: new ScheduledFailureInjector(),
    },
    { maxOperationMs: 10_000, maxParked: 8 },
  )
  await driver.start()
  /** B answers every message of `type` sent to it so far. */
  const answerFromB = (type: 'query' | 'store') => {
    for (const { message, inc } of sent.filter((e) => e.to === B && e.message.type === type)) {
      const answer =
        type === 'query'
          ? { type: 'query-reply' as const, reqId: message.reqId, token: 'T', ts: ZERO_TIMESTAMP, value: EMPTY }
          : { type: 'store-ack' as const, reqId: message.reqId, token: 'T' }
      deliver({ from: B, to: A, message: { ...answer, re: inc } })
    }
  }
  return { driver, held, sent, answerFromB }
}

test("the writer's stores leave while its own copy is being saved; the write completes only after that save", async (t) => {
  const { driver, held, sent, answerFromB } = await writerWithHeldSaves(true)
  let done = false
  const writing = driver.execute('T', write, { timeoutMs: 5000 }).then(() => {
    done = true
  })
  await flush()
  answerFromB('query')
  await flush()
  t.is(held.length, 1, "the writer's own copy is being saved")
  t.deepEqual(
    sent.filter((e) => e.message.type === 'store').map((e) => e.to),
    [B, C],
    'the stores left before that save completed',
  )
  answerFromB('store')
  await flush()
  t.false(done, "B's ack makes a quorum with the writer's copy, which is not on disk yet")
  held[0]!.resolve()
  await writing
  t.true(done)
  await driver.stop()
})

test('proof the test can fail: without storesBeforeSave no store leaves before the save', async (t) => {
  const { driver, held, sent, answerFromB } = await writerWithHeldSaves(false)
  const writing = driver.execute('T', write, { timeoutMs: 5000 })
  await flush()
  answerFromB('query')
  await flush()
  t.is(held.length, 1)
  t.deepEqual(
    sent.filter((e) => e.message.type === 'store'),
    [],
  )
  held[0]!.resolve()
  await flush()
  t.is(sent.filter((e) => e.message.type === 'store').length, 2)
  answerFromB('store')
  await writing
  await driver.stop()
})

test("a write whose quorum counted the writer's copy fails when the writer's save of it fails", async (t) => {
  const { driver, held, answerFromB } = await writerWithHeldSaves(true)
  const writing = driver.execute('T', write, { timeoutMs: 5000 })
  await flush()
  answerFromB('query')
  await flush()
  answerFromB('store')
  await flush()
  held[0]!.reject(new Error('disk full'))
  const error = await t.throwsAsync(writing)
  t.regex(error.message, /could not persist/)
  await driver.stop()
})
