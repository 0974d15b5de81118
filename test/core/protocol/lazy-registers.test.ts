import test from 'ava'
import type { Completion } from '../../../src/core/protocol/operations.js'
import { ManualNet } from '../../support/manual-net.js'

/*
 * A node builds a token's register when something first happens to the token: 10^4 tokens on 3 nodes, each of them
 * writer of a third, all of them readers; only the tokens used cost a register, before and after a durable restart.
 */
const A = 'a:1'
const B = 'b:1'
const C = 'c:1'
const NODES = [A, B, C]
const TOKENS = 10_000
const scheme = Array.from({ length: TOKENS }, (_, i) => ({
  token: String(i + 1),
  writer: NODES[(i + 1) % 3]!,
  readers: NODES,
}))
const write = (name: string) => ({ type: 'write' as const, name, low: 0n, mid: 1n, high: 3n })
const read = { type: 'read' as const }

function nameOf(done: Completion | undefined): string {
  if (done === undefined) return 'pending'
  if (!done.ok) return `error ${done.error.code}`
  if (done.result.type !== 'read') return done.result.type
  return done.result.value.kind === 'token' ? done.result.value.token.name : done.result.value.kind
}

test('only the tokens used have a register; status still lists every token with its state', (t) => {
  const net = new ManualNet(scheme)
  t.is(net.node(A).builtRegisters, 0)
  const w = net.submit(B, '7', write('seven'))
  net.settle()
  t.is(nameOf(net.completions.get(w)), 'write')
  const r = net.submit(A, '7', read)
  net.settle()
  t.is(nameOf(net.completions.get(r)), 'seven')
  for (const node of NODES) t.is(net.node(node).builtRegisters, 1, node)
  const status = net.node(C).status()
  t.is(status.length, TOKENS)
  t.deepEqual(status.map((s) => s.token).slice(0, 3), ['1', '2', '3'], 'in scheme order')
  t.is(status[6]!.state?.value.kind, 'token')
  t.is(status[7]!.state?.value.kind, 'empty')
  t.like(status[7], {
    token: '8',
    roles: ['writer', 'reader', 'replica'],
    pending: 0,
    replicas: 3,
    readQuorum: 2,
    writeQuorum: 2,
  })
  t.deepEqual(net.node(C).statusOf('8'), status[7])
  t.is(net.node(C).statusOf('no-such-token'), undefined)
})

test('a durable restart restores every token without building its register, and serves the restored value', (t) => {
  const net = new ManualNet(scheme)
  const w = net.submit(B, '7', write('seven'))
  net.settle()
  t.is(nameOf(net.completions.get(w)), 'write')
  net.restart(A, 2n, { durable: true, recovery: { settleMs: 500, retryMs: 50 } })
  net.tick(1)
  t.is(net.node(A).builtRegisters, 0, 'every token was restored: none recovers, none is built')
  t.is(net.node(A).statusOf('7')?.state?.value.kind, 'token')
  t.is(net.node(A).recoveringCount(), 0)
  const r = net.submit(A, '7', read)
  net.settle()
  t.is(nameOf(net.completions.get(r)), 'seven')
  t.is(net.node(A).builtRegisters, 1)
})

test('a restart without state builds and recovers every token at its first step', (t) => {
  const net = new ManualNet(scheme)
  net.restart(A, 2n, { recovery: { settleMs: 500, retryMs: 50 } })
  t.is(net.node(A).builtRegisters, 0)
  net.tick(1)
  t.is(net.node(A).builtRegisters, TOKENS)
  t.is(net.node(A).recoveringCount(), TOKENS)
  net.settle()
  t.is(net.node(A).recoveringCount(), 0, 'the others answered for every token')
})
