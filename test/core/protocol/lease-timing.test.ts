import test from 'ava'
import { LeaseTable, ReadLease } from '../../../src/core/protocol/read-lease.js'

const timing = { leaseMs: 1000, driftRate: 0.01, survey: false }

test('a holder counts its lease from when it asked, shortened by the drift of both clocks', (t) => {
  const lease = new ReadLease(timing)
  t.true(lease.due(0))
  lease.requested(7, 100)
  t.false(lease.due(150), 'one request out at a time')
  t.true(lease.granted(7, 1000, 400))
  const heldMs = (1000 * 0.99) / 1.01
  t.true(lease.valid(100 + heldMs - 0.001))
  t.false(lease.valid(100 + heldMs), "from the send time (100), not the grant's arrival (400)")
})

test("a grant answers only the request in flight, and never stretches the holder's own lease setting", (t) => {
  const lease = new ReadLease(timing)
  lease.requested(1, 0)
  t.false(lease.granted(2, 1000, 5), 'unknown request id')
  t.true(lease.granted(1, 60_000, 5))
  t.false(lease.granted(1, 1000, 6), 'a duplicate grant is ignored')
  t.false(lease.valid(1000), "held for our 1000 ms (less drift), not the writer's 60 s")
})

test('a holder asks again when half the lease is used, a lost request after one lease, a refused one after a twentieth', (t) => {
  const lease = new ReadLease(timing)
  lease.requested(1, 0)
  lease.granted(1, 1000, 1)
  t.false(lease.due(400))
  t.true(lease.due(600))
  lease.requested(2, 600)
  t.false(lease.due(1599), 'the request may still be answered')
  t.true(lease.due(1600), 'lost: ask again')
  lease.requested(3, 1600)
  t.true(lease.granted(3, 0, 1610), 'a refusal')
  t.false(lease.due(1659))
  t.true(lease.due(1660))
})

test('a silenced holder holds nothing', (t) => {
  const lease = new ReadLease(timing)
  lease.requested(1, 0)
  lease.granted(1, 1000, 1)
  lease.drop()
  t.false(lease.valid(1))
})

test('the writer counts every reader as a holder for one lease after start, then only those it granted', (t) => {
  const table = new LeaseTable(['b', 'c'], timing, () => 50)
  t.deepEqual(
    [...table.holders(60)!],
    [
      ['b', 1050],
      ['c', 1050],
    ],
  )
  table.grant('b', 900)
  t.deepEqual(
    [...table.holders(1000)!],
    [
      ['b', 1900],
      ['c', 1050],
    ],
  )
  t.deepEqual([...table.holders(1050)!], [['b', 1900]])
  t.is(table.holders(1900), undefined)
  t.deepEqual(table.grantees(1000), ['b'])
  t.is(new LeaseTable(['b'], { ...timing, leaseMs: 0 }, () => 0).holders(0), undefined, 'leases off')
})
