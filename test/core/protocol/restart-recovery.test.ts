import test, { type ExecutionContext } from 'ava'
import type { Envelope } from '../../../src/core/protocol/messages.js'
import type { Completion } from '../../../src/core/protocol/operations.js'
import type { LeaseTiming } from '../../../src/core/protocol/read-lease.js'
import type { RecoveryTiming } from '../../../src/core/protocol/replica-recovery.js'
import { ManualNet } from '../../support/manual-net.js'

/*
 * Restarts without state (memory persistence, a lost data dir), step by step on the hand-driven network. Token T:
 * writer A, readers A, B, C; majority quorums of 2.
 */
const A = 'a:1'
const B = 'b:1'
const C = 'c:1'
const scheme = [{ token: 'T', writer: A, readers: [A, B, C] }]
const RECOVERY: RecoveryTiming = { settleMs: 500, retryMs: 50 }
const write = (name: string) => ({ type: 'write' as const, name, low: 0n, mid: 1n, high: 3n })
const read = { type: 'read' as const }

function valueTextOf(done: Completion | undefined): string {
  if (done === undefined) return 'pending'
  if (!done.ok) return `error ${done.error.code}`
  if (done.result.type !== 'read') return done.result.type
  return done.result.value.kind === 'token' ? done.result.value.token.name : done.result.value.kind
}

const between =
  (from: string, to: string) =>
  (e: Envelope): boolean =>
    e.from === from && e.to === to
const not =
  (f: (e: Envelope) => boolean) =>
  (e: Envelope): boolean =>
    !f(e)

/** Every node starts without state (a new memory-mode cluster), recovering the token. */
function coldStart(): ManualNet {
  const net = new ManualNet(scheme)
  for (const node of [A, B, C]) net.restart(node, 2n, { recovery: RECOVERY })
  return net
}

/** `one` is acknowledged with A and B holding it; C never hears of it. */
function writtenOnAB(): ManualNet {
  const net = new ManualNet(scheme)
  const w = net.submit(A, 'T', write('one'))
  net.settle(not((e) => e.to === C || e.from === C))
  net.drop((e) => e.to === C || e.from === C)
  if (valueTextOf(net.completions.get(w)) !== 'write') throw new Error('setup: the write must be acknowledged')
  return net
}

test('an acknowledged write survives a restart of a replica without its state: it recovers before it answers', (t) => {
  const net = writtenOnAB()
  net.restart(A, 2n, { recovery: RECOVERY })
  net.tick(1) // the restarted A asks the others for the token's state
  const r = net.submit(C, 'T', read)
  // A holds C's query until it has recovered; only B and C answering lets it recover.
  net.settle(not((e) => e.from === B))
  t.is(valueTextOf(net.completions.get(r)), 'pending', 'A and C alone must not answer: A lost `one`, C never had it')
  net.settle()
  t.is(valueTextOf(net.completions.get(r)), 'one')
  t.is(net.node(A).status()[0]!.state?.value.kind, 'token', 'A recovered `one`')
})

test('proof the test can fail: a restarted replica that skips recovery loses the acknowledged write', (t) => {
  const net = writtenOnAB()
  net.restart(A, 2n) // no recovery: the empty copy votes at once
  const r = net.submit(C, 'T', read)
  net.settle(not((e) => e.from === B))
  t.is(valueTextOf(net.completions.get(r)), 'empty', 'A and C, both without `one`, form a read quorum')
})

test('a restarted writer learns from the others before it writes: its version outranks every acknowledged one', (t) => {
  const net = writtenOnAB()
  net.restart(A, 2n, { recovery: RECOVERY })
  net.tick(1)
  const w = net.submit(A, 'T', write('two'))
  net.settle()
  t.is(valueTextOf(net.completions.get(w)), 'write')
  const done = net.completions.get(w)!
  t.true(done.ok && done.result.ts.seq === 2n, 'the new write comes after `one` (version 1)')
  const r = net.submit(B, 'T', read)
  net.settle()
  t.is(valueTextOf(net.completions.get(r)), 'two')
})

test('a replica that restarted leaves the open rounds: an ack of its earlier incarnation no longer counts', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('zero')) // the writer learns once, then stores at once
  net.settle()
  const w = net.submit(A, 'T', write('one'))
  const stores = net.inflight.filter((e) => e.message.type === 'store')
  t.is(stores.length, 2)
  net.deliver(between(A, B)) // B stores `one`; its ack is in flight
  const ackFromOldB = net.inflight.filter(between(B, A))
  net.drop(between(B, A))
  net.drop(between(A, C)) // C never hears of it
  net.restart(B, 2n, { recovery: RECOVERY })
  net.tick(1) // B's new incarnation asks A and C: A learns that B restarted
  net.deliver((e) => e.from === B && e.to === A && e.message.type === 'query')
  net.inflight.push(...ackFromOldB) // the dead process's ack arrives late
  net.deliver(between(B, A))
  t.is(
    valueTextOf(net.completions.get(w)),
    'pending',
    'B lost `one` with its memory: its old ack must not complete the write',
  )
  t.true(net.node(A).staleMessages >= 1)
})

test('an answer meant for an earlier incarnation never joins a round of the next one (request ids restart)', (t) => {
  const net = new ManualNet(scheme)
  net.restart(C, 5n, { incarnation: 11 })
  const first = net.submit(C, 'T', read)
  const lateReplies: Envelope[] = []
  net.deliver((e) => e.from === C) // A and B answer C's first query
  lateReplies.push(...net.inflight.filter((e) => e.to === C))
  net.drop((e) => e.to === C)
  t.is(valueTextOf(net.completions.get(first)), 'pending')
  net.restart(C, 6n, { incarnation: 12 }) // same request ids from 1 again
  const second = net.submit(C, 'T', read)
  net.drop((e) => e.from === C) // nobody hears the second query
  net.inflight.push(...lateReplies)
  net.deliver()
  t.is(valueTextOf(net.completions.get(second)), 'pending', 'replies to the dead incarnation matched nothing')
  t.true(net.node(C).ignoredReplies >= 2)
})

test('a cluster that starts without state serves at once when every replica answers', (t) => {
  const net = coldStart()
  net.tick(1)
  net.settle()
  for (const node of [A, B, C]) t.is(net.node(node).recoveringCount(), 0, `${node} recovered`)
  const w = net.submit(A, 'T', write('one'))
  net.settle()
  t.is(valueTextOf(net.completions.get(w)), 'write')
})

test('with a replica down at the first start, the others start serving after the settle time, not before', (t) => {
  const net = coldStart()
  net.silence(C, 'T')
  net.tick(1)
  net.settle()
  t.is(net.node(A).recoveringCount(), 1, 'A and B cannot tell a first start from a lost write yet')
  net.tick(RECOVERY.settleMs + 1)
  net.settle()
  t.is(net.node(A).recoveringCount(), 0)
  t.is(net.node(B).recoveringCount(), 0)
  const w = net.submit(A, 'T', write('one'))
  net.settle()
  t.is(valueTextOf(net.completions.get(w)), 'write')
})

test('a writer whose epoch went backwards is told by the fenced replicas and moves above them', (t) => {
  const net = new ManualNet(scheme, undefined, 7n << 20n)
  const first = net.submit(A, 'T', write('one'))
  net.settle()
  t.is(valueTextOf(net.completions.get(first)), 'write')
  // A restarts with its data but an older epoch (a wall clock stepped back, a data dir restored from a copy).
  net.restart(A, 3n << 20n, { durable: true })
  const w = net.submit(A, 'T', write('two'))
  const fenced = (e: Envelope): boolean => e.message.type === 'store-ack' && e.message.fenced === true
  net.settle()
  t.is(valueTextOf(net.completions.get(w)), 'write', 'fenced once, then stored under an epoch above the fence')
  const done = net.completions.get(w)!
  t.true(done.ok && done.result.ts.epoch > 7n << 20n)
  const r = net.submit(B, 'T', read)
  net.settle()
  t.is(valueTextOf(net.completions.get(r)), 'two')
  t.false(net.inflight.some(fenced))
})

test('proof the test can fail: a fence that drops stores without an answer leaves the writer stuck', (t) => {
  const net = new ManualNet(scheme, undefined, 7n << 20n)
  net.submit(A, 'T', write('one'))
  net.settle()
  net.restart(A, 3n << 20n, { durable: true })
  const w = net.submit(A, 'T', write('two'))
  const fenced = (e: Envelope): boolean => e.message.type === 'store-ack' && e.message.fenced === true
  for (let i = 0; i < 10; i++) {
    net.drop(fenced) // the replicas stay silent, as before the fix
    net.deliver()
  }
  t.is(valueTextOf(net.completions.get(w)), 'pending')
})

test('at a first start, a replica the others saw without state joins at once although another fell silent meanwhile', (t) => {
  const net = coldStart()
  net.tick(1)
  // A hears B and C without state (a first start) and begins the token's history; B never hears C.
  const fromCToB = (e: Envelope): boolean => e.from === C && e.to === B
  net.settle(not(fromCToB))
  net.drop(fromCToB)
  t.is(net.node(A).recoveringCount(), 0)
  t.is(net.node(B).recoveringCount(), 1)
  net.silence(C, 'T') // C goes silent before B heard it
  net.tick(1 + 2 * RECOVERY.retryMs) // B's second query on its own: its idle asking backs off
  net.settle()
  t.is(
    net.node(B).recoveringCount(),
    0,
    'A vouched that this incarnation of B lacked state at the start: it lost nothing',
  )
  const w = net.submit(A, 'T', write('one'))
  net.settle()
  t.is(valueTextOf(net.completions.get(w)), 'write')
})

test('a vouch covers only the incarnation seen at the first start: after a restart the replica recovers as usual', (t) => {
  const net = coldStart()
  net.tick(1)
  net.settle()
  const w = net.submit(A, 'T', write('one'))
  net.settle()
  t.is(valueTextOf(net.completions.get(w)), 'write')
  net.restart(B, 3n, { recovery: RECOVERY }) // B acknowledged `one`, then lost it
  net.silence(C, 'T')
  net.tick(10)
  net.settle()
  t.is(net.node(B).recoveringCount(), 1, 'no vouch for the new incarnation: with C silent, B may not trust A alone yet')
  net.tick(10 + RECOVERY.settleMs + RECOVERY.retryMs)
  net.settle()
  net.tick(20 + RECOVERY.settleMs + 2 * RECOVERY.retryMs)
  net.settle()
  t.is(
    net.node(B).recoveringCount(),
    1,
    'n - w + 1 = 2 ready others needed, and only A answers: it waits (never stale)',
  )
})

test('asking on its own, a recovering replica backs off (1, 2, 4, 8 retry periods), asks at the settle time, and stops after three', (t) => {
  const net = new ManualNet(scheme)
  net.restart(A, 2n, { recovery: RECOVERY }) // B and C never answer: everything A sends is dropped
  const asked: number[] = []
  for (let ms = 1; ms <= 4 * RECOVERY.settleMs; ms += 5) {
    net.tick(ms)
    const queries = net.inflight.filter((e) => e.from === A && e.message.type === 'query')
    if (queries.length > 0) asked.push(ms)
    net.drop(() => true)
  }
  // Periods of 50 ms: at 1, then 2 and 4 periods later; once at the settle time (501, before the 8 periods were up);
  // then 8 periods apart; none after three settle times (1501).
  t.deepEqual(asked, [1, 101, 301, 501, 901, 1301])
})

test('a recovering replica asks again at once when it first hears a peer, and on demand within a tenth of a period', (t) => {
  const net = new ManualNet(scheme)
  net.restart(A, 2n, { recovery: RECOVERY })
  net.tick(1)
  net.drop(() => true)
  const fromA = (): number => net.inflight.filter((e) => e.from === A && e.message.type === 'query').length
  net.submit(C, 'T', read) // C's query: A hears C for the first time and asks again at once
  net.deliver((e) => e.to === A)
  t.is(fromA(), 2, 'asks B and C again')
  net.drop(() => true)
  net.submit(C, 'T', read)
  net.deliver((e) => e.to === A)
  t.is(fromA(), 0, 'on demand, not within a tenth of a period')
  net.nowMs = 1 + RECOVERY.retryMs / 10
  net.submit(C, 'T', read)
  net.deliver((e) => e.to === A)
  t.is(fromA(), 2, 'on demand, after a tenth of a period')
})

const awayFromC = (e: Envelope): boolean => e.to === C || e.from === C

/**
 * A, which wrote `one` under epoch 7 (B holds it, C does not and never heard A), restarts back at epoch 3 and reads.
 * It hears C before B (whose answer would carry the fence), so it writes `one` back under epoch 3. C then falls
 * silent: only B can complete that write-back, and B refuses epoch 3. Returns the read.
 */
function readBackInTime(t: ExecutionContext, net: ManualNet, leases?: LeaseTiming): number {
  net.restart(A, 3n << 20n, { durable: true, ...(leases && { leases }) })
  const r = net.submit(A, 'T', read)
  net.deliver(not(between(B, A))) // the queries reach B and C; C's answer reaches A
  net.drop(between(B, A))
  net.deliver(between(C, A))
  net.silence(C, 'T')
  t.true(
    net.inflight.some((e) => e.message.type === 'store' && e.message.writerEpoch === 3n << 20n),
    'setup: the write-back left under the old epoch',
  )
  return r
}

test('a read write-back refused by a fence is sent again under the raised epoch and completes', (t) => {
  const net = new ManualNet(scheme, undefined, 7n << 20n)
  const w = net.submit(A, 'T', write('one'))
  net.settle(not(awayFromC))
  net.drop(awayFromC)
  t.is(valueTextOf(net.completions.get(w)), 'write')
  const r = readBackInTime(t, net)
  net.settle()
  t.is(valueTextOf(net.completions.get(r)), 'one')
})

test('with read leases, a write-back waiting for lease holders is sent again under the raised epoch', (t) => {
  const leases = { leaseMs: 1000, driftRate: 0, survey: false }
  const net = new ManualNet(scheme, undefined, 7n << 20n, leases)
  // `zero` completes once a lease has passed since A's start (C might hold one).
  net.submit(A, 'T', write('zero'))
  net.settle(not(awayFromC))
  net.tick(1500)
  net.settle(not(awayFromC))
  const w = net.submit(A, 'T', write('one'))
  const awayFromCOrCommit = (e: Envelope): boolean => awayFromC(e) || e.message.type === 'commit'
  net.settle(not(awayFromCOrCommit))
  net.drop(awayFromCOrCommit)
  t.is(valueTextOf(net.completions.get(w)), 'write')
  // Back at epoch 3, A no longer knows `one` committed: its read waits for every possible lease holder.
  const r = readBackInTime(t, net, leases)
  net.settle()
  net.tick(4000) // C may hold a lease of A's new start: the write-back waits for it at most that long
  net.settle()
  t.is(valueTextOf(net.completions.get(r)), 'one')
})
