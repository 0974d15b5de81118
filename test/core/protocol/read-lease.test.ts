import test from 'ava'
import type { Envelope } from '../../../src/core/protocol/messages.js'
import type { Completion } from '../../../src/core/protocol/operations.js'
import { MajorityQuorum } from '../../../src/plugins/quorum/majority-quorum.js'
import { ManualNet } from '../../support/manual-net.js'

const A = 'a:1'
const B = 'b:1'
const C = 'c:1'
const scheme = [{ token: 'T', writer: A, readers: [A, B, C] }]
const LEASE_MS = 100
const write = (name: string) => ({ type: 'write' as const, name, low: 0n, mid: 1n, high: 3n })
const read = { type: 'read' as const }

function valueTextOf(done: Completion | undefined): string {
  if (done === undefined) return 'pending'
  if (!done.ok) return `error ${done.error.code}`
  return done.result.type === 'read' && done.result.value.kind === 'token'
    ? done.result.value.token.name
    : done.result.type
}

/**
 * Every node has stepped at 0 and a first write is committed. Then, one lease after start, the writer surveys the
 * replicas, after which B asks for a lease and gets one: B holds a lease from t = 110 to 210.
 */
function leasedCluster(perReadCommitWait = false): ManualNet {
  const net = new ManualNet(
    scheme,
    new MajorityQuorum(),
    1n,
    { leaseMs: LEASE_MS, driftRate: 0, survey: true },
    perReadCommitWait,
  )
  net.submit(A, 'T', write('one'))
  net.settle()
  net.submit(B, 'T', read) // computes and imposes the final; B's copy is then complete
  net.settle()
  net.tick(LEASE_MS)
  net.submit(B, 'T', read) // asks for a lease: the writer starts its survey and refuses until it is done
  net.settle()
  net.tick(LEASE_MS + 10)
  net.submit(B, 'T', read)
  net.settle()
  return net
}

const leaseMessage = (e: Envelope): boolean => e.message.type === 'lease-request' || e.message.type === 'lease-grant'

test('a holder answers a committed version from its own copy, with no message at all', (t) => {
  const net = leasedCluster()
  const r = net.submit(B, 'T', read)
  t.is(valueTextOf(net.completions.get(r)), 'one')
  t.deepEqual(net.inflight, [], 'no query, no impose')
})

test('without a lease (or before the writer surveyed the replicas) reads query a quorum', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, { leaseMs: LEASE_MS, driftRate: 0, survey: true })
  net.submit(A, 'T', write('one'))
  net.settle()
  const r = net.submit(C, 'T', read)
  t.true(net.inflight.some((e) => e.message.type === 'query' && e.from === C))
  t.true(net.inflight.some((e) => e.message.type === 'lease-request' && e.from === C))
  net.settle()
  t.is(valueTextOf(net.completions.get(r)), 'one')
  const again = net.submit(C, 'T', read)
  t.true(
    net.inflight.some((e) => e.message.type === 'query'),
    'the writer refused: its survey is not due before one lease after start',
  )
  net.settle()
  t.is(valueTextOf(net.completions.get(again)), 'one')
})

test("a write waits for the lease holder's ack even with a majority, and completes when the lease ends", (t) => {
  const net = leasedCluster()
  const w = net.submit(A, 'T', write('two'))
  net.settle((e) => e.to !== B && !leaseMessage(e)) // B never hears of it
  t.is(valueTextOf(net.completions.get(w)), 'pending', 'A and C are a majority, but B may still read `one` locally')
  net.tick(LEASE_MS + 10 + LEASE_MS - 1)
  t.is(valueTextOf(net.completions.get(w)), 'pending')
  net.tick(LEASE_MS + 10 + LEASE_MS)
  t.is(valueTextOf(net.completions.get(w)), 'write', "B's lease has ended: the write completes without it")
  const r = net.submit(B, 'T', read)
  t.true(
    net.inflight.some((e) => e.message.type === 'query' && e.from === B),
    'B no longer reads locally',
  )
  net.settle()
  t.is(valueTextOf(net.completions.get(r)), 'two')
})

test('a holder with a newer version that is not yet committed reads through a quorum until the commit arrives', (t) => {
  const net = leasedCluster()
  const w = net.submit(A, 'T', write('two'))
  net.settle((e) => e.message.type !== 'commit')
  t.is(valueTextOf(net.completions.get(w)), 'write')
  const commit = net.inflight.find((e) => e.message.type === 'commit')
  t.is(commit?.to, B, 'the writer tells its lease holders')
  const r1 = net.submit(B, 'T', read)
  t.true(
    net.inflight.some((e) => e.message.type === 'query' && e.from === B),
    'B holds `two` but does not know it committed',
  )
  net.settle((e) => e.message.type !== 'commit')
  t.is(valueTextOf(net.completions.get(r1)), 'two')
  const r2 = net.submit(B, 'T', read)
  t.is(valueTextOf(net.completions.get(r2)), 'two', 'its own quorum read made `two` safe to serve')
})

test('the writer refuses a lease to a reader that lacks its newest version', (t) => {
  const net = leasedCluster()
  net.tick(LEASE_MS + 10 + LEASE_MS + 1) // B's lease is over
  net.submit(A, 'T', write('two'))
  net.deliver((e) => e.message.type === 'store' && e.to === C)
  net.drop((e) => e.to === B)
  net.submit(B, 'T', read)
  net.deliver((e) => e.message.type === 'lease-request')
  const answer = net.inflight.find((e) => e.message.type === 'lease-grant')
  t.true(answer?.message.type === 'lease-grant' && answer.message.leaseMs === 0)
})

test('a read imposing a version nobody reported committed waits for the holders the writer names, not for the others', (t) => {
  const net = leasedCluster()
  const w = net.submit(A, 'T', write('two'))
  net.deliver((e) => e.message.type === 'store' && e.to === C) // only C has `two`, uncommitted; A's store to B waits
  const r = net.submit(C, 'T', read)
  net.deliver((e) => e.message.type === 'query')
  net.deliver((e) => (e.message.type === 'query-reply' || e.message.type === 'query-same') && e.to === C)
  // `two` needs its final, computed in place; then C imposes it on every replica.
  net.deliver((e) => e.message.type === 'store' && e.from === C && e.to === A)
  net.deliver((e) => e.message.type === 'store-ack' && e.from === A && e.to === C)
  t.is(valueTextOf(net.completions.get(r)), 'pending', 'A named B as a holder: C waits for B')
  net.deliver((e) => e.message.type === 'store' && e.to === B)
  net.deliver((e) => e.message.type === 'store-ack' && e.from === B && e.to === C)
  t.is(valueTextOf(net.completions.get(r)), 'two')
  net.settle()
  t.is(valueTextOf(net.completions.get(w)), 'write')
})

test('a read imposing an uncommitted version waits at most one lease for replicas that do not answer', (t) => {
  const net = leasedCluster()
  net.submit(A, 'T', write('two'))
  net.deliver((e) => e.message.type === 'store' && e.to === C)
  net.drop(() => true) // the writer is cut off: nobody can say who holds a lease
  const r = net.submit(C, 'T', read)
  const startMs = net.nowMs
  net.deliver((e) => e.message.type === 'query' && e.to === B)
  net.deliver((e) => (e.message.type === 'query-reply' || e.message.type === 'query-same') && e.to === C)
  net.deliver((e) => e.message.type === 'store' && e.from === C && e.to === B)
  net.deliver((e) => e.message.type === 'store-ack' && e.to === C)
  net.drop((e) => e.to === A)
  t.is(valueTextOf(net.completions.get(r)), 'pending')
  net.tick(startMs + LEASE_MS)
  t.is(valueTextOf(net.completions.get(r)), 'two', 'any lease granted before `two` existed is over')
})

test('after start the writer treats every reader as a holder for one lease (its earlier incarnation may have granted one)', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, { leaseMs: LEASE_MS, driftRate: 0, survey: true })
  const w = net.submit(A, 'T', write('one'))
  net.settle((e) => e.to !== C)
  t.is(valueTextOf(net.completions.get(w)), 'pending')
  net.tick(LEASE_MS)
  t.is(valueTextOf(net.completions.get(w)), 'write')
})

test('a durable writer grants leases at once: it stored every version it made, so it needs no survey', (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, { leaseMs: LEASE_MS, driftRate: 0, survey: false })
  net.submit(A, 'T', write('one'))
  net.settle()
  net.submit(B, 'T', read)
  net.settle()
  t.false(net.inflight.length > 0)
  const r = net.submit(B, 'T', read)
  t.is(valueTextOf(net.completions.get(r)), 'one')
  t.deepEqual(net.inflight, [], "answered from B's copy before one lease has passed")
})

const memory = { leaseMs: LEASE_MS, driftRate: 0, survey: true }

/** `one` written and read (its final imposed) on every replica; at t = 50. */
function committedEverywhere(leases: typeof memory): ManualNet {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, leases)
  net.submit(A, 'T', write('one'))
  net.settle()
  net.submit(B, 'T', read)
  net.settle()
  net.tick(50)
  return net
}

const isQueryAnswer = (e: Envelope): boolean => e.message.type === 'query-reply' || e.message.type === 'query-same'

test('a writer restarted without its state does not read its empty copy locally, even after its survey', (t) => {
  const net = committedEverywhere(memory)
  net.restart(A, 2n, { leases: memory })
  net.tick(200) // the new incarnation starts
  net.tick(300)
  const rb = net.submit(B, 'T', read) // B asks for a lease: A surveys every replica
  const lateFromA = (e: Envelope): boolean => e.from === A && e.to === B && isQueryAnswer(e)
  net.settle((e) => !lateFromA(e))
  net.settle()
  t.is(valueTextOf(net.completions.get(rb)), 'one')
  const ra = net.submit(A, 'T', read)
  t.true(
    net.inflight.some((e) => e.message.type === 'query' && e.from === A),
    "A's copy is older than what its survey found",
  )
  net.settle()
  t.is(valueTextOf(net.completions.get(ra)), 'one')
})

test("a replica that answered a restarted writer's survey drops stores of the writer's earlier incarnation", (t) => {
  const net = committedEverywhere(memory)
  net.submit(A, 'T', write('two')) // the old incarnation's last write: lost to B, delayed to C
  net.drop((e) => e.message.type === 'store' && e.to === B)
  const orphan = net.inflight.find((e) => e.message.type === 'store' && e.to === C)!
  net.drop((e) => e === orphan)
  net.restart(A, 2n, { leases: memory })
  net.tick(200)
  net.tick(300)
  const ra = net.submit(A, 'T', read) // starts the survey; C answers it, and so learns of epoch 2
  net.settle()
  t.is(valueTextOf(net.completions.get(ra)), 'one')
  net.inflight.push(orphan)
  net.deliver((e) => e === orphan)
  t.false(
    net.inflight.some((e) => e.message.type === 'store-ack' && e.from === C),
    'dropped: no ack',
  )
  const rc = net.submit(C, 'T', read)
  net.settle()
  t.is(valueTextOf(net.completions.get(rc)), 'one', 'the orphan never became a version anyone can read')
})

test("a durable writer's restart keeps its stores flowing: only older incarnations are fenced", (t) => {
  const net = new ManualNet(scheme, new MajorityQuorum(), 1n, { ...memory, survey: false })
  net.submit(A, 'T', write('one'))
  net.settle()
  net.restart(A, 2n, { leases: { ...memory, survey: false }, durable: true })
  net.tick(10)
  const w = net.submit(A, 'T', write('two'))
  net.settle()
  net.tick(10 + LEASE_MS) // readers counted as holders after the restart: the write waits for them or one lease
  net.settle()
  t.is(valueTextOf(net.completions.get(w)), 'write')
  const r = net.submit(C, 'T', read)
  net.settle()
  t.is(valueTextOf(net.completions.get(r)), 'two')
})

/** The writer falls silent mid-write; clients with deadlines of a fifth of a lease read at C for two leases. */
function shortDeadlineReads(perReadCommitWait: boolean): string[] {
  const net = leasedCluster(perReadCommitWait)
  net.submit(A, 'T', write('two'))
  net.deliver((e) => e.message.type === 'store' && e.to === C)
  net.drop(() => true) // nobody can say who holds a lease
  net.silence(A, 'T')
  const startMs = net.nowMs
  const shortMs = LEASE_MS / 5
  const outcomes: string[] = []
  for (let atMs = startMs; atMs < startMs + 2 * LEASE_MS; atMs += shortMs / 2) {
    net.tick(atMs)
    const r = net.submit(C, 'T', read, shortMs)
    net.settle((e) => e.to !== A)
    net.drop((e) => e.to === A)
    net.tick(atMs + shortMs / 2)
    outcomes.push(valueTextOf(net.completions.get(r)))
  }
  return outcomes
}

test('one lease wait per version: reads with deadlines shorter than a lease join the wait, which outlives them', (t) => {
  const outcomes = shortDeadlineReads(false)
  const shortMs = LEASE_MS / 5
  const first = outcomes.indexOf('two')
  t.true(first >= 0, `reads complete once the shared wait ends: ${outcomes.join(', ')}`)
  t.true(first * (shortMs / 2) <= LEASE_MS + shortMs, 'within about one lease of the first read')
  t.true(
    outcomes.slice(first).every((o) => o === 'two'),
    'then normal service: `two` is known committed',
  )
})

test('proof the test can fail: when each read waits alone, reads with short deadlines never complete', (t) => {
  const outcomes = shortDeadlineReads(true)
  t.false(outcomes.includes('two'), outcomes.join(', '))
})

test('a holder whose clock stood still (suspend) drops its lease before serving: the next read asks a quorum', (t) => {
  const net = leasedCluster()
  const before = net.submit(B, 'T', read)
  t.is(valueTextOf(net.completions.get(before)), 'one')
  t.deepEqual(net.inflight, [], 'answered locally under the lease')
  net.node(B).step({ type: 'clock-stalled' }, net.nowMs)
  const after = net.submit(B, 'T', read)
  t.true(
    net.inflight.some((e) => e.message.type === 'query' && e.from === B),
    'no local answer without a lease',
  )
  net.settle()
  t.is(valueTextOf(net.completions.get(after)), 'one')
})
