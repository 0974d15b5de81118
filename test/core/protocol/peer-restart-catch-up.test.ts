import test from 'ava'
import type { Envelope } from '../../../src/core/protocol/messages.js'
import type { Completion } from '../../../src/core/protocol/operations.js'
import { ManualNet } from '../../support/manual-net.js'

/*
 * A peer's restart is applied to each register when something next happens to it, not to every register when the
 * restart is seen (RegisterNode.caughtUp). Tokens T and U: writer A, readers A to E; majority quorums of 3.
 */
const [A, B, C, D, E] = ['a:1', 'b:1', 'c:1', 'd:1', 'e:1'] as const
const ALL = [A, B, C, D, E]
const scheme = [
  { token: 'T', writer: A, readers: ALL },
  { token: 'U', writer: A, readers: ALL },
]
const RECOVERY = { settleMs: 500, retryMs: 50 }
const write = (name: string) => ({ type: 'write' as const, name, low: 0n, mid: 1n, high: 3n })

function outcome(done: Completion | undefined): string {
  if (done === undefined) return 'pending'
  return done.ok ? done.result.type : `error ${done.error.code}`
}

const storeOrAck = (token: string, from: string, to: string) => (e: Envelope) =>
  e.message.token === token && e.from === from && e.to === to

/**
 * A's store of `one` on T has B's ack (2 of 3 with A's own), and its stores to C, D and E wait in flight. Then, if
 * `restartB`, B restarts without its state and A hears of it through a message about U only: T's register is idle.
 * Last, C's ack of T arrives.
 */
function lateAckAfterRestart(restartB: boolean): { net: ManualNet; write: number } {
  const net = new ManualNet(scheme)
  net.submit(A, 'T', write('zero')) // the writer learns once, then stores at once
  net.settle()
  const w = net.submit(A, 'T', write('one'))
  net.deliver(storeOrAck('T', A, B))
  net.deliver(storeOrAck('T', B, A))
  if (restartB) {
    net.restart(B, 2n, { recovery: RECOVERY })
    net.tick(1) // B's new incarnation asks everyone about T and U
    net.deliver((e) => e.from === B && e.to === A && e.message.token === 'U')
    net.drop((e) => e.from === B || e.to === B)
  }
  net.deliver(storeOrAck('T', A, C))
  net.deliver(storeOrAck('T', C, A))
  return { net, write: w }
}

test("a register idle when a peer's restart is seen forgets that peer's earlier ack before its next message", (t) => {
  const { net, write } = lateAckAfterRestart(true)
  t.is(outcome(net.completions.get(write)), 'pending', 'A, C and the lost ack of B are not a quorum')
  net.deliver(storeOrAck('T', A, D))
  net.deliver(storeOrAck('T', D, A))
  t.is(outcome(net.completions.get(write)), 'write', 'A, C and D are')
})

test('proof the test can fail: without the restart, the same acks complete the write', (t) => {
  const { net, write } = lateAckAfterRestart(false)
  t.is(outcome(net.completions.get(write)), 'write')
})

test("a peer's restart costs a node work only for the registers used after it", (t) => {
  const tokens = Array.from({ length: 2_000 }, (_, i) => ({ token: String(i + 1), writer: A, readers: [A, B, C] }))
  const net = new ManualNet(tokens)
  for (let i = 1; i <= tokens.length; i++) net.submit(A, String(i), write(`v${i}`))
  net.settle()
  t.is(net.node(A).builtRegisters, tokens.length, 'every register is built at the writer')
  net.restart(B, 2n, { durable: true })
  const r = net.submit(B, '7', { type: 'read' })
  net.settle()
  t.is(outcome(net.completions.get(r)), 'read')
  t.is(net.node(A).restartCatchUps, 1, "only token 7's register caught up with B's restart")
  net.submit(A, '8', write('eight'))
  net.settle()
  t.is(net.node(A).restartCatchUps, 2, "token 8's register did at its next write")
})
