import test from 'ava'
import { HashJobs } from '../../../src/core/node/hash-jobs.js'
import type { ArgminRequest, Hasher } from '../../../src/core/ports/hasher.js'
import type { Argmin } from '../../../src/core/token/argmin.js'

/** Answers in place below 100 values, later above; records the signal of every request. */
class SplitHasher implements Hasher {
  readonly signals: AbortSignal[] = []
  readonly held: ((a: Argmin | undefined) => void)[] = []
  argmin(request: ArgminRequest, signal: AbortSignal): Argmin | undefined | Promise<Argmin | undefined> {
    this.signals.push(signal)
    if (request.high - request.low < 100n) return { nonce: request.low, hash: 1n }
    return new Promise((resolve) => this.held.push(resolve))
  }
  async close(): Promise<void> {}
}

function jobs(hasher: Hasher) {
  const done: number[] = []
  const runner = new HashJobs(hasher, {
    done: (jobId) => done.push(jobId),
    failed: () => {},
    hashed: () => {},
    nowMs: () => 0,
  })
  return { runner, done }
}

test('jobs answered in place share one never-aborted signal; a job answered later owns its own, and cancel aborts only it', (t) => {
  const hasher = new SplitHasher()
  const { runner, done } = jobs(hasher)
  runner.start({ jobId: 1, token: 'T', name: 'n', low: 0n, high: 10n })
  runner.start({ jobId: 2, token: 'T', name: 'n', low: 0n, high: 10n })
  t.deepEqual(done, [1, 2])
  t.is(hasher.signals[0], hasher.signals[1], 'no new AbortController for a job answered in place')
  runner.start({ jobId: 3, token: 'T', name: 'n', low: 0n, high: 1000n })
  t.is(hasher.signals[2], hasher.signals[0], 'the spare goes to the next job, which keeps it')
  runner.start({ jobId: 4, token: 'T', name: 'n', low: 0n, high: 10n })
  t.not(hasher.signals[3], hasher.signals[2], "the running job's signal is never handed out again")
  runner.cancel(3)
  t.true(hasher.signals[2]!.aborted)
  t.false(hasher.signals[3]!.aborted)
  t.deepEqual(done, [1, 2, 4])
})
