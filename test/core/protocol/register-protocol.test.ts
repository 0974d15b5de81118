import test from 'ava'
import { hashNonce } from '../../../src/core/hash/sha256-argmin.js'
import type { Envelope } from '../../../src/core/protocol/messages.js'
import type { Completion } from '../../../src/core/protocol/operations.js'
import { ManualNet } from '../../support/manual-net.js'

const A = 'a:1'
const B = 'b:1'
const C = 'c:1'
const D = 'd:1'
const E = 'e:1'
const scheme = [
  { token: 'T', writer: A, readers: [A, B, C] },
  { token: 'U', writer: B, readers: [C, D, E] },
]

/** A query's answer: the value, or 'query-same' when the replica holds what the querier holds. */
const isAnswer = (e: Envelope): boolean => e.message.type === 'query-reply' || e.message.type === 'query-same'
const write = (name: string, low: bigint, mid: bigint, high: bigint) => ({
  type: 'write' as const,
  name,
  low,
  mid,
  high,
})

function ok(done: Completion | undefined) {
  if (done === undefined || !done.ok)
    throw new Error(`expected success, got ${done === undefined ? 'nothing' : done.error.message}`)
  return done.result
}

test('write: partial is the argmin of [low, mid) and the write completes at a majority of acks', (t) => {
  const net = new ManualNet(scheme)
  const w = net.submit(A, 'T', write('abc', 0n, 10n, 100n))
  net.deliver((e) => e.message.type === 'query') // learning round: B and C answer A's query
  net.deliver((e) => isAnswer(e) && e.from === B)
  net.deliver((e) => e.message.type === 'store' && e.to === B)
  t.is(net.completions.get(w), undefined, 'no ack yet from B')
  net.deliver((e) => e.message.type === 'store-ack' && e.from === B)
  const result = ok(net.completions.get(w))
  t.is(result.type, 'write')
  if (result.type !== 'write') return
  t.is(result.token.partial?.nonce, 4n)
  t.is(result.token.final, undefined)
  t.is(result.ts.seq, 1n)
  t.true(
    net.inflight.some((e) => e.to === C),
    'the straggler C still receives its copy, nobody waits for it',
  )
})

test('read: computes final = argmin over [low, high), imposes it, then a second read takes one round trip without values', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('abc', 0n, 10n, 100n))
  net.settle()
  const r1 = net.submit(B, 'T', { type: 'read' })
  net.settle()
  const first = ok(net.completions.get(r1))
  t.true(first.type === 'read' && first.value.kind === 'token' && first.value.token.final?.nonce === 70n)
  const r2 = net.submit(C, 'T', { type: 'read' })
  net.deliver((e) => e.message.type === 'query')
  t.false(
    net.inflight.some((e) => e.message.type === 'query-reply'),
    "replicas holding C's version send no value back",
  )
  net.deliver((e) => e.message.type === 'query-same')
  const second = ok(net.completions.get(r2))
  t.true(
    second.type === 'read' && second.value.kind === 'token' && second.value.token.final?.nonce === 70n,
    "the value is C's own",
  )
  t.false(
    net.inflight.some((e) => e.message.type === 'store'),
    'no impose when a quorum already holds the final',
  )
})

test('read: imposes the newest value when a replica of its quorum is behind (no new/old inversion)', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('one', 0n, 1n, 2n))
  net.settle()
  const w2 = net.submit(A, 'T', write('two', 0n, 1n, 2n))
  net.deliver((e) => e.message.type === 'store' && e.to === C) // only C sees "two"; the write is still pending
  t.is(net.completions.get(w2), undefined)
  const r = net.submit(B, 'T', { type: 'read' })
  net.deliver((e) => e.message.type === 'query' && e.to === C)
  net.deliver((e) => e.message.type === 'query-reply' && e.to === B)
  t.is(net.completions.get(r), undefined, 'B must impose "two" before answering')
  net.deliver((e) => e.message.type === 'store' && e.from === B)
  net.deliver((e) => e.message.type === 'store-ack' && e.to === B)
  const read = ok(net.completions.get(r))
  t.true(read.type === 'read' && read.value.kind === 'token' && read.value.token.name === 'two')
  t.is(
    net
      .node(B)
      .status()
      .find((s) => s.token === 'T')!.state!.value.kind,
    'token',
  )
  const bState = net
    .node(B)
    .status()
    .find((s) => s.token === 'T')!.state!
  t.true(bState.value.kind === 'token' && bState.value.token.name === 'two', 'B moved forward before answering')
})

test('replica: a store with an older timestamp never overwrites a newer value', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('one', 0n, 1n, 2n))
  net.settle()
  net.submit(A, 'T', write('two', 0n, 1n, 2n))
  net.settle()
  const stale = {
    from: A,
    to: C,
    message: {
      type: 'store' as const,
      reqId: 999,
      token: 'T',
      ts: { seq: 1n, epoch: 1n },
      value: {
        kind: 'token' as const,
        token: {
          name: 'one',
          low: 0n,
          mid: 1n,
          high: 2n,
          partial: { nonce: 0n, hash: hashNonce('one', 0n) },
          final: undefined,
        },
      },
    },
  }
  net.inflight.push(stale)
  net.deliver()
  const c = net
    .node(C)
    .status()
    .find((s) => s.token === 'T')!.state!
  t.is(c.ts.seq, 2n)
  t.true(c.value.kind === 'token' && c.value.token.name === 'two')
  t.true(
    net.inflight.some((e) => e.message.type === 'store-ack' && e.message.reqId === 999),
    'still acked',
  )
})

test('role checks: writes only at the writer, reads only at a reader, unknown tokens not found', (t) => {
  const net = new ManualNet(scheme)
  const w = net.completions.get(net.submit(B, 'T', write('x', 0n, 1n, 2n)))
  t.true(w !== undefined && !w.ok && w.error.code === 'failed-precondition' && /writer: a:1/.test(w.error.message))
  const r = net.completions.get(net.submit(B, 'U', { type: 'read' }))
  t.true(
    r !== undefined &&
      !r.ok &&
      r.error.code === 'failed-precondition' &&
      /readers: c:1, d:1, e:1/.test(r.error.message),
  )
  const u = net.completions.get(net.submit(A, 'nope', { type: 'read' }))
  t.true(u !== undefined && !u.ok && u.error.code === 'not-found')
})

test('write validation: inverted and oversized domains are invalid arguments', (t) => {
  const net = new ManualNet(scheme)
  const inverted = net.completions.get(net.submit(A, 'T', write('x', 5n, 4n, 10n)))
  t.true(inverted !== undefined && !inverted.ok && inverted.error.code === 'invalid-argument')
  const equal = net.completions.get(net.submit(A, 'T', write('x', 5n, 10n, 10n)))
  t.true(equal !== undefined && !equal.ok && equal.error.code === 'invalid-argument', 'mid < high is strict')
  const big = net.completions.get(net.submit(A, 'T', write('x', 0n, 1n, 2_000_000n)))
  t.true(big !== undefined && !big.ok && /exceeds the maximum/.test(big.error.message))
})

test('create, drop and the tombstone: never-written reads empty, dropped reads and writes fail not-found', (t) => {
  const net = new ManualNet(scheme)
  const run = (at: string, op: Parameters<ManualNet['submit']>[2]) => {
    const id = net.submit(at, 'T', op)
    net.settle()
    return net.completions.get(id)!
  }
  const empty = run(B, { type: 'read' })
  t.true(empty.ok && empty.result.type === 'read' && empty.result.value.kind === 'empty')
  const dup = run(A, { type: 'create' })
  t.true(!dup.ok && dup.error.code === 'already-exists')
  t.true(run(A, { type: 'drop' }).ok)
  const gone = run(C, { type: 'read' })
  t.true(!gone.ok && gone.error.code === 'not-found')
  const w = run(A, write('x', 0n, 1n, 2n))
  t.true(!w.ok && w.error.code === 'not-found')
  const again = run(A, { type: 'drop' })
  t.true(!again.ok && again.error.code === 'not-found')
  t.true(run(A, { type: 'create' }).ok)
  const fresh = run(B, { type: 'read' })
  t.true(fresh.ok && fresh.result.type === 'read' && fresh.result.value.kind === 'empty')
})

test('writer learns the highest timestamp from a read quorum before its first write', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('one', 0n, 1n, 2n))
  net.settle()
  net.submit(A, 'T', write('two', 0n, 1n, 2n))
  net.settle()
  // A restarted writer with an empty copy and a later epoch.
  const restarted = new ManualNet(scheme, undefined, 2n)
  for (const id of [B, C])
    restarted.node(id).restore([
      {
        token: 'T',
        ...net
          .node(id)
          .status()
          .find((s) => s.token === 'T')!.state!,
      },
    ])
  const w = restarted.submit(A, 'T', write('three', 0n, 1n, 2n))
  restarted.settle()
  const result = ok(restarted.completions.get(w))
  t.is(result.type === 'write' ? result.ts.seq : -1n, 3n)
  t.is(result.type === 'write' ? result.ts.epoch : -1n, 2n)
})

test('late and duplicate replies are ignored, and the quorum counts each replica once', (t) => {
  const net = new ManualNet(scheme)
  const w = net.submit(A, 'T', write('x', 0n, 1n, 2n))
  net.settle()
  ok(net.completions.get(w))
  const ignoredBefore = net.node(A).ignoredReplies
  net.inflight.push({ from: B, to: A, message: { type: 'store-ack', reqId: 2, token: 'T' } })
  net.deliver()
  t.is(net.node(A).ignoredReplies, ignoredBefore + 1)
  // A duplicated ack from B must not complete a write that C never acknowledged.
  const w2 = net.submit(A, 'T', write('y', 0n, 1n, 2n))
  net.deliver((e) => e.message.type === 'store' && e.to === B)
  const ack = net.inflight.find((e) => e.message.type === 'store-ack')!
  net.inflight.push(ack)
  net.silence(A, 'U') // unrelated token: no effect on T
  t.is(net.completions.get(w2), undefined)
  net.deliver((e) => e.message.type === 'store-ack')
  t.truthy(net.completions.get(w2), 'A itself and B form the majority of 3')
})

test('an operation without a quorum ends at its deadline, and the writer moves on', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('x', 0n, 1n, 2n))
  net.settle()
  const blocked = net.submit(A, 'T', write('y', 0n, 1n, 2n), 100)
  const queued = net.submit(A, 'T', write('z', 0n, 1n, 2n), 500)
  net.drop(() => true)
  net.tick(100)
  const done = net.completions.get(blocked)
  t.true(
    done !== undefined &&
      !done.ok &&
      done.error.code === 'deadline-exceeded' &&
      /may or may not/.test(done.error.message),
  )
  t.is(net.completions.get(queued), undefined)
  net.settle()
  const next = ok(net.completions.get(queued))
  t.is(next.type === 'write' ? next.ts.seq : -1n, 3n, 'the abandoned write consumed its timestamp')
})

test('silence: a node silent for a token drops its work and answers nothing about it, but serves other tokens', (t) => {
  const net = new ManualNet(scheme)
  const r = net.submit(C, 'T', { type: 'read' })
  net.silence(C, 'T')
  net.settle()
  t.is(net.completions.get(r), undefined, 'the in-flight read is abandoned, never answered')
  const r2 = net.submit(C, 'T', { type: 'read' })
  t.is(net.completions.get(r2), undefined)
  const u = net.submit(C, 'U', { type: 'read' })
  net.settle()
  t.truthy(net.completions.get(u), 'token U still served by C')
  const w = net.submit(A, 'T', write('x', 0n, 1n, 2n))
  net.settle()
  t.truthy(net.completions.get(w), 'A and B still form a majority for T')
  t.false(net.inflight.some((e) => e.from === C))
})

test('queues are bounded: writes beyond the queue limit are refused as overloaded', (t) => {
  const net = new ManualNet(scheme)
  const ids = Array.from({ length: 6 }, (_, i) => net.submit(A, 'T', write(`w${i}`, 0n, 1n, 2n)))
  const refused = ids
    .map((id) => net.completions.get(id))
    .filter((d) => d !== undefined && !d.ok && d.error.code === 'resource-exhausted')
  t.is(refused.length, 1, 'one active + 4 queued fit, the 6th is refused')
})

test('a late reply meant for an earlier incarnation never counts in a new round', (t) => {
  const first = new ManualNet(scheme)
  first.submit(A, 'T', write('one', 0n, 1n, 2n))
  first.deliver((e) => e.message.type === 'query')
  first.deliver(isAnswer)
  first.deliver((e) => e.message.type === 'store' && e.to === B)
  const lateAck = first.inflight.find((e) => e.message.type === 'store-ack' && e.from === B)!
  // A restarts (epoch 2) with its durable copy; C answers its learning round; its stores are lost.
  const restarted = new ManualNet(scheme, undefined, 2n)
  for (const id of [A, B, C])
    restarted.node(id).restore([
      {
        token: 'T',
        ...first
          .node(id)
          .status()
          .find((s) => s.token === 'T')!.state!,
      },
    ])
  const w2 = restarted.submit(A, 'T', write('two', 0n, 1n, 2n))
  restarted.deliver((e) => e.message.type === 'query' && e.to === C)
  restarted.deliver(isAnswer)
  restarted.drop((e) => e.message.type === 'store')
  restarted.inflight.push(lateAck)
  restarted.deliver()
  t.is(restarted.completions.get(w2), undefined, 'only A holds "two": the write must not complete')
  t.is(restarted.node(A).ignoredReplies, 1)
})

function failedWith(done: Completion | undefined, code: string): boolean {
  return done !== undefined && !done.ok && done.error.code === code
}

test('cancel: a write cancelled while hashing stops its hash job, never reaches a replica, and the next write runs', (t) => {
  const net = new ManualNet(scheme)
  net.holdHashes = true
  const w1 = net.submit(A, 'T', write('big', 0n, 1000n, 2000n))
  const w2 = net.submit(A, 'T', write('next', 0n, 10n, 20n))
  net.settle() // learning round done: w1 is hashing
  t.is(net.hashJobs.length, 1)
  const jobId = net.hashJobs[0]!.job.jobId
  net.cancel(A, 'T', w1)
  t.true(failedWith(net.completions.get(w1), 'cancelled'))
  t.deepEqual(net.hashCancels, [jobId], 'the hash job is cancelled')
  t.is(net.hashJobs.at(-1)!.job.name, 'next', 'the queued write starts hashing')
  net.finishHash(net.hashJobs.at(-1)!.job.jobId)
  net.settle()
  const result = ok(net.completions.get(w2))
  t.is(result.ts.seq, 1n, 'the cancelled write consumed no timestamp')
})

test('cancel: a queued write is dropped; a write already sent to the replicas runs on to its quorum', (t) => {
  const net = new ManualNet(scheme)
  const sent = net.submit(A, 'T', write('sent', 0n, 1n, 2n))
  net.deliver((e) => e.message.type === 'query')
  net.deliver(isAnswer) // now storing
  const queued = net.submit(A, 'T', write('queued', 0n, 1n, 2n))
  net.cancel(A, 'T', queued)
  net.cancel(A, 'T', sent)
  t.true(failedWith(net.completions.get(queued), 'cancelled'))
  t.is(net.completions.get(sent), undefined, 'its store may take effect: no cancellation')
  net.settle()
  t.is(ok(net.completions.get(sent)).ts.seq, 1n)
  const r = net.submit(B, 'T', { type: 'read' })
  net.settle()
  const read = ok(net.completions.get(r))
  t.true(read.type === 'read' && read.value.kind === 'token' && read.value.token.name === 'sent')
})

test('cancel: a read waiting for its final stops the shared hash job only when no other read waits for it', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('abc', 0n, 10n, 100n))
  net.settle()
  net.holdHashes = true
  const r1 = net.submit(B, 'T', { type: 'read' })
  const r2 = net.submit(B, 'T', { type: 'read' })
  net.settle()
  t.is(net.hashJobs.length, 1, 'one final job shared by both reads')
  const jobId = net.hashJobs[0]!.job.jobId
  net.cancel(B, 'T', r1)
  t.true(failedWith(net.completions.get(r1), 'cancelled'))
  t.deepEqual(net.hashCancels, [], 'r2 still needs the job')
  net.cancel(B, 'T', r2)
  t.deepEqual(net.hashCancels, [jobId], 'the last waiter left: the job is cancelled')
})

test('hash failure: the writer fails the write at once and moves on; waiting reads fail and the next read hashes anew', (t) => {
  const net = new ManualNet(scheme)
  net.holdHashes = true
  const w1 = net.submit(A, 'T', write('abc', 0n, 10n, 100n))
  const w2 = net.submit(A, 'T', write('abc', 0n, 10n, 100n))
  net.settle()
  net.failHash(net.hashJobs[0]!.job.jobId)
  t.true(failedWith(net.completions.get(w1), 'unavailable'))
  net.finishHash(net.hashJobs[0]!.job.jobId)
  net.settle()
  t.is(ok(net.completions.get(w2)).ts.seq, 1n, 'the failed write took no timestamp')
  const r1 = net.submit(B, 'T', { type: 'read' })
  const r2 = net.submit(B, 'T', { type: 'read' })
  net.settle()
  net.failHash(net.hashJobs[0]!.job.jobId)
  t.true(failedWith(net.completions.get(r1), 'unavailable') && failedWith(net.completions.get(r2), 'unavailable'))
  const r3 = net.submit(B, 'T', { type: 'read' })
  net.settle()
  t.is(net.hashJobs.length, 1, 'a new job, not the failed one')
  net.finishHash(net.hashJobs[0]!.job.jobId)
  net.settle()
  const read = ok(net.completions.get(r3))
  t.true(read.type === 'read' && read.value.kind === 'token' && read.value.token.final?.nonce === 70n)
})

test('a refusal the writer bases on an unacknowledged state waits until a majority holds that state (no read of a lost drop)', (t) => {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('one', 0n, 1n, 2n))
  net.settle()
  // A drop that only A's own copy took before its deadline: its outcome is unknown.
  const drop = net.submit(A, 'T', { type: 'drop' }, 100)
  net.drop(() => true)
  net.tick(100)
  const dropped = net.completions.get(drop)
  t.true(dropped !== undefined && !dropped.ok && dropped.error.code === 'deadline-exceeded')
  // The next write is refused (the writer decides as if the drop took effect), but only once the tombstone is at a
  // majority: otherwise a later read could still return "one", after the client saw the token gone.
  const w = net.submit(A, 'T', write('two', 0n, 1n, 2n), 1_000)
  t.is(net.completions.get(w), undefined, 'no refusal before the tombstone is imposed')
  net.settle()
  const refused = net.completions.get(w)
  t.true(refused !== undefined && !refused.ok && refused.error.code === 'not-found')
  const r = net.submit(B, 'T', { type: 'read' })
  net.settle()
  const read = net.completions.get(r)
  t.true(read !== undefined && !read.ok && read.error.code === 'not-found', 'a read after the refusal sees the drop')
})
