import test from 'ava'
import type { NodeDriver } from '../../../src/core/node/node-driver.js'
import { HealthAndReflection } from '../../../src/plugins/grpc/health-and-reflection.js'

/** Just what HealthAndReflection reads of a driver. */
function fakeDriver(tokens: string[]): { driver: NodeDriver; clockReads: () => number } {
  let clockReads = 0
  const driver = {
    node: {
      tokens: () => tokens,
      tokenCount: tokens.length,
      serves: (token: string) => tokens.includes(token),
      isSilent: () => false,
    },
    nowMs: () => {
      clockReads++
      return performance.now()
    },
  } as unknown as NodeDriver
  return { driver, clockReads: () => clockReads }
}

/** Counts how often `health` refreshes its token statuses. */
function countRefreshes(health: HealthAndReflection): () => number {
  let refreshes = 0
  const refresh = health.refreshTokens.bind(health)
  health.refreshTokens = () => {
    refreshes++
    refresh()
  }
  return () => refreshes
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs `body` while counting the timers it leaves armed (created and neither cleared nor fired). */
function armedTimers(body: () => void): number {
  const armed = new Set<unknown>()
  const realSet = globalThis.setTimeout
  const realClear = globalThis.clearTimeout
  globalThis.setTimeout = ((callback: () => void, ms?: number) => {
    const handle = realSet(() => {
      armed.delete(handle)
      callback()
    }, ms)
    armed.add(handle)
    return handle
  }) as typeof setTimeout
  globalThis.clearTimeout = ((handle: NodeJS.Timeout | undefined) => {
    armed.delete(handle)
    realClear(handle)
  }) as typeof clearTimeout
  try {
    body()
  } finally {
    globalThis.setTimeout = realSet
    globalThis.clearTimeout = realClear
  }
  return armed.size
}

test.serial('a flood of scheduled silences holds one refresh timer per token, not one per call', (t) => {
  const { driver } = fakeDriver(['T', 'U'])
  const health = new HealthAndReflection(driver)
  t.teardown(() => health.stopping())
  const nowMs = performance.now()
  // Earlier and earlier silences: each call replaces its token's timer.
  const armed = armedTimers(() => {
    for (let i = 0; i < 10_000; i++) health.refreshAt(i % 2 === 0 ? 'T' : 'U', nowMs + 3_600_000 - i)
  })
  t.is(armed, 2)
  t.is(health.pendingRefreshes, 2)
  health.stopping()
  t.is(health.pendingRefreshes, 0)
})

test.serial(
  'the earliest silence of a token wins, as in the failure injector, and refreshes the statuses when due',
  async (t) => {
    const { driver } = fakeDriver(['T'])
    const health = new HealthAndReflection(driver)
    const reads = countRefreshes(health)
    t.teardown(() => health.stopping())
    health.refreshAt('T', performance.now() + 3_600_000)
    health.refreshAt('T', performance.now() + 30)
    health.refreshAt('T', performance.now() + 600_000)
    const before = reads()
    // Waits for the refresh rather than a fixed time: on a loaded machine a 30 ms timer may fire much later.
    const deadlineMs = performance.now() + 10_000
    while (reads() === before && performance.now() < deadlineMs) await sleep(10)
    await sleep(50)
    t.is(reads(), before + 1, 'refreshed once, at the earliest silence')
    t.is(health.pendingRefreshes, 0)
  },
)

test.serial(
  'a silence a year away neither refreshes early nor spins (setTimeout fires a delay over 2^31-1 ms at once)',
  async (t) => {
    const { driver, clockReads } = fakeDriver(['T'])
    const health = new HealthAndReflection(driver)
    const reads = countRefreshes(health)
    t.teardown(() => health.stopping())
    health.refreshAt('T', performance.now() + 365 * 24 * 3600 * 1000)
    const before = reads()
    const clockBefore = clockReads()
    await sleep(100)
    t.is(reads(), before)
    t.is(health.pendingRefreshes, 1)
    t.true(clockReads() - clockBefore <= 1, `the timer woke ${clockReads() - clockBefore} times in 100 ms`)
  },
)
