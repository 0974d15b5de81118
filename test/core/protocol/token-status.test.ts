import test from 'ava'
import { MajorityQuorum } from '../../../src/plugins/quorum/majority-quorum.js'
import { ManualNet } from '../../support/manual-net.js'

/* What a node's status says of its copy: committed, final computed, read leases, and the operations it coordinated. */
const A = 'a:1'
const B = 'b:1'
const C = 'c:1'
const scheme = [{ token: 'T', writer: A, readers: [A, B, C] }]
const LEASE_MS = 100
const write = (name: string) => ({ type: 'write' as const, name, low: 0n, mid: 1n, high: 3n })
const read = { type: 'read' as const }

function leasedNet(): ManualNet {
  return new ManualNet(scheme, new MajorityQuorum(), 1n, { leaseMs: LEASE_MS, driftRate: 0, survey: false })
}

test('a never-written copy counts as committed, without a final, and no operation coordinated', (t) => {
  const net = leasedNet()
  t.like(net.node(B).statusOf('T'), { committed: true, finalComputed: false, operations: 0 })
})

test('the writer knows its write committed; a replica that only took the store does not', (t) => {
  const net = leasedNet()
  net.submit(A, 'T', write('one'))
  net.settle()
  t.like(net.node(A).statusOf('T'), { committed: true, finalComputed: false, operations: 1 })
  t.like(net.node(B).statusOf('T'), { committed: false, finalComputed: false, operations: 0 })
})

test('a read at a reader computes the final and tells the reader the version committed', (t) => {
  const net = leasedNet()
  net.submit(A, 'T', write('one'))
  net.settle()
  net.submit(B, 'T', read)
  net.settle()
  t.like(net.node(B).statusOf('T'), { committed: true, finalComputed: true, operations: 1 })
  t.like(net.node(A).statusOf('T'), { operations: 1 })
})

test('a reader holding a lease says how long it has left; the writer lists it among the holders', (t) => {
  const net = leasedNet()
  net.submit(A, 'T', write('one'))
  net.settle()
  net.tick(LEASE_MS + 10) // past the restart guard: only real grants count as holders now
  t.is(net.node(A).statusOf('T', LEASE_MS + 10)?.leaseHolders, undefined, 'no reader holds a lease yet')
  // Each read asks for a lease until B holds one (a writer that heard no quorum lately refuses once and asks them).
  for (let atMs = 110; atMs <= 130 && net.node(B).statusOf('T', atMs)?.leaseRemainingMs === undefined; atMs += 10) {
    net.tick(atMs)
    net.submit(B, 'T', read)
    net.settle()
  }
  const atMs = 150
  const remainingMs = net.node(B).statusOf('T', atMs)?.leaseRemainingMs
  t.true(remainingMs !== undefined && remainingMs > 0 && remainingMs <= LEASE_MS, `B holds a lease (${remainingMs})`)
  // No drift and one clock: the writer counts the same end.
  t.deepEqual([...(net.node(A).statusOf('T', atMs)?.leaseHolders ?? [])], [[B, remainingMs]])
  t.is(net.node(C).statusOf('T', atMs)?.leaseRemainingMs, undefined, 'C never asked')
  const later = atMs + LEASE_MS
  t.is(net.node(B).statusOf('T', later)?.leaseRemainingMs, undefined, 'expired')
  t.is(net.node(A).statusOf('T', later)?.leaseHolders, undefined)
})

test('operations count only what the node took on: a write refused at a reader is not one', (t) => {
  const net = leasedNet()
  net.submit(B, 'T', write('wrong node'))
  net.submit(A, 'T', write('one'))
  net.submit(A, 'T', write('two'))
  net.settle()
  t.is(net.node(B).statusOf('T')?.operations, 0)
  t.is(net.node(A).statusOf('T')?.operations, 2)
})
