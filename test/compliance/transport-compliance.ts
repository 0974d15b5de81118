import test from 'ava'
import type { Transport } from '../../src/core/ports/transport.js'
import type { Envelope, NodeId, ReplicaMessage } from '../../src/core/protocol/messages.js'
import { UINT64_MAX } from '../../src/core/uint64.js'

export interface TransportHarness {
  /** A transport for node `self`, not started. Nodes made by one harness can reach each other. */
  make(self: NodeId): Transport
  /** Free, distinct node ids this harness can start. */
  nodeIds(count: number): Promise<NodeId[]>
  cleanup?(): Promise<void>
}

const fullToken = {
  kind: 'token' as const,
  token: {
    name: 'name with spaces, é, 名前 and 🚀',
    low: 0n,
    mid: UINT64_MAX - 1n,
    high: UINT64_MAX,
    partial: { nonce: UINT64_MAX - 2n, hash: UINT64_MAX },
    final: { nonce: 0n, hash: 1n },
  },
}

export function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (predicate()) return resolve()
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting'))
      setTimeout(poll, 2)
    }
    poll()
  })
}

/** The Transport contract, run against every implementation. */
export function transportCompliance(name: string, harness: () => TransportHarness): void {
  test.serial(`${name}: delivers every message kind with its fields intact, uint64 exactly`, async (t) => {
    const h = harness()
    const [a, b] = await h.nodeIds(2)
    const received: Envelope[] = []
    const ta = h.make(a!)
    const tb = h.make(b!)
    await ta.start(a!, () => {})
    await tb.start(b!, (e) => received.push(e))
    const messages: Envelope[] = [
      { from: a!, to: b!, message: { type: 'query', reqId: 1, token: 'T' } },
      {
        from: a!,
        to: b!,
        message: { type: 'query-reply', reqId: 2, token: 'T', ts: { seq: UINT64_MAX, epoch: 7n }, value: fullToken },
      },
      {
        from: a!,
        to: b!,
        message: { type: 'store', reqId: 3, token: 'T', ts: { seq: 1n, epoch: 0n }, value: { kind: 'absent' } },
      },
      {
        from: a!,
        to: b!,
        message: { type: 'store', reqId: 4, token: 'T', ts: { seq: 2n, epoch: 0n }, value: { kind: 'empty' } },
      },
      { from: a!, to: b!, message: { type: 'store-ack', reqId: 5, token: 'T' } },
      { from: a!, to: b!, message: { type: 'store-ack', reqId: 5 * 2 ** 32 + 7, token: 'T' } },
    ]
    for (const m of messages) ta.send(m)
    await waitFor(() => received.length === messages.length)
    received.sort((x, y) => x.message.reqId - y.message.reqId)
    t.deepEqual(received, messages)
    await ta.stop()
    await tb.stop()
    await h.cleanup?.()
  })

  test.serial(`${name}: every message kind arrives exactly, with each optional field unset and set`, async (t) => {
    const h = harness()
    const [a, b] = await h.nodeIds(2)
    const received: Envelope[] = []
    const ta = h.make(a!)
    const tb = h.make(b!)
    await ta.start(a!, () => {})
    await tb.start(b!, (e) => received.push(e))
    const ts = { seq: UINT64_MAX - 5n, epoch: 2n ** 48n + 3n }
    const answer = { re: 2 ** 48 - 2, recovering: true, fence: UINT64_MAX, fenced: true, fresh: true }
    let reqId = 0
    const bodies: ReplicaMessage[] = [
      { type: 'query', reqId: ++reqId, token: 'T' },
      {
        type: 'query',
        reqId: ++reqId,
        token: 'T',
        known: { ts, complete: true },
        writerEpoch: 9n,
        recover: true,
        trace: { traceId: 'ab'.repeat(16), spanId: '12'.repeat(8), sampled: true },
      },
      { type: 'query-same', reqId: ++reqId, token: 'T' },
      { type: 'query-same', reqId: ++reqId, token: 'T', committed: ts, ...answer },
      { type: 'query-reply', reqId: ++reqId, token: 'T', ts, value: { kind: 'empty' } },
      { type: 'query-reply', reqId: ++reqId, token: 'T', ts, value: fullToken, committed: ts, ...answer },
      { type: 'store', reqId: ++reqId, token: 'T', ts, value: fullToken },
      {
        type: 'store',
        reqId: ++reqId,
        token: 'T',
        ts,
        value: fullToken,
        trace: { traceId: 'cd'.repeat(16), spanId: '34'.repeat(8), sampled: false },
      },
      { type: 'store', reqId: ++reqId, token: 'T', ts, value: { kind: 'absent' }, writerEpoch: UINT64_MAX },
      { type: 'store-ack', reqId: ++reqId, token: 'T' },
      { type: 'store-ack', reqId: ++reqId, token: 'T', holders: [a!, b!], ...answer },
      { type: 'lease-request', reqId: ++reqId, token: 'T', ts },
      { type: 'lease-grant', reqId: ++reqId, token: 'T', leaseMs: 0, committed: { seq: 0n, epoch: 0n } },
      { type: 'lease-grant', reqId: ++reqId, token: 'T', leaseMs: 300, committed: ts, ...answer },
      { type: 'commit', reqId: ++reqId, token: 'T', ts },
    ]
    const kinds = new Set(bodies.map((m) => m.type))
    t.is(kinds.size, 8, 'all eight kinds of ReplicaMessage')
    // Nodes stamp every send with their incarnation (RegisterNode), so all carry one here.
    const messages: Envelope[] = bodies.map((message) => ({ from: a!, to: b!, message, inc: 77 }))
    for (const m of messages) ta.send(m)
    await waitFor(() => received.length === messages.length)
    received.sort((x, y) => x.message.reqId - y.message.reqId)
    t.deepEqual(received, messages)
    await ta.stop()
    await tb.stop()
    await h.cleanup?.()
  })

  test.serial(`${name}: a send to an unknown or stopped peer is lost without an error`, async (t) => {
    const h = harness()
    const [a, b, c] = await h.nodeIds(3)
    const ta = h.make(a!)
    await ta.start(a!, () => {})
    t.notThrows(() => ta.send({ from: a!, to: c!, message: { type: 'query', reqId: 1, token: 'T' } }))
    const received: Envelope[] = []
    const tb = h.make(b!)
    await tb.start(b!, (e) => received.push(e))
    await tb.stop()
    ta.send({ from: a!, to: b!, message: { type: 'query', reqId: 2, token: 'T' } })
    await new Promise((r) => setTimeout(r, 100))
    t.deepEqual(received, [], 'nothing is handed over after stop')
    await ta.stop()
    t.notThrows(() => ta.send({ from: a!, to: b!, message: { type: 'query', reqId: 3, token: 'T' } }))
    await h.cleanup?.()
  })

  test.serial(`${name}: a burst of messages arrives, each at most once`, async (t) => {
    const h = harness()
    const [a, b] = await h.nodeIds(2)
    const seen = new Map<number, number>()
    const ta = h.make(a!)
    const tb = h.make(b!)
    await ta.start(a!, () => {})
    await tb.start(b!, (e) => seen.set(e.message.reqId, (seen.get(e.message.reqId) ?? 0) + 1))
    const count = 2000
    for (let i = 0; i < count; i++)
      ta.send({ from: a!, to: b!, message: { type: 'store-ack', reqId: i, token: `t${i % 7}` } })
    await waitFor(() => seen.size === count)
    t.true([...seen.values()].every((n) => n === 1))
    await ta.stop()
    await tb.stop()
    await h.cleanup?.()
  })

  test.serial(`${name}: both directions work between two started nodes`, async (t) => {
    const h = harness()
    const [a, b] = await h.nodeIds(2)
    const atA: Envelope[] = []
    const atB: Envelope[] = []
    const ta = h.make(a!)
    const tb = h.make(b!)
    await ta.start(a!, (e) => atA.push(e))
    await tb.start(b!, (e) => atB.push(e))
    ta.send({ from: a!, to: b!, message: { type: 'query', reqId: 1, token: 'T' } })
    tb.send({ from: b!, to: a!, message: { type: 'store-ack', reqId: 1, token: 'T' } })
    await waitFor(() => atA.length === 1 && atB.length === 1)
    t.is(atA[0]!.from, b!)
    t.is(atB[0]!.from, a!)
    await ta.stop()
    await tb.stop()
    await h.cleanup?.()
  })
}
