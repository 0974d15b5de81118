import test from 'ava'
import { runFlood } from '../../src/tools/bench/flood-run.js'

test('a flood of reads on a silent token parks at most maxParked, refuses the rest, and frees all on cancel', async (t) => {
  const report = await runFlood({ requests: 5_000, maxParked: 1_000, deadlineMs: 600_000, waitMs: 90_000 })
  t.log(
    `RSS KiB before ${report.rssBeforeKiB}, peak ${report.rssPeakKiB}, after cancel ${report.rssAfterCancelKiB}; released in ${report.releaseMs} ms`,
  )
  t.is(report.parkedPeak, 1_000, 'parked up to the bound, never beyond')
  t.is(report.resourceExhausted, 4_000, 'every request beyond the bound is refused at once')
  t.is(report.parkedAfterCancel, 0, 'cancelled callers free their parked entries long before the 10 min deadline')
  t.is(report.cancelled, 1_000)
  t.deepEqual(report.other, {})
})
