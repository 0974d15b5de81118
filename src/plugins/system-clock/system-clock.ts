import { injectable } from 'inversify'
import { performance } from 'node:perf_hooks'
import type { Clock, Timer } from '../../core/ports/clock.js'

/** Monotonic process time (never steps backwards with the wall clock) and Node timers. */
@injectable()
export class SystemClock implements Clock {
  /** CLOCK_MONOTONIC on Linux: it does not advance while the machine is suspended (wallMs does). */
  nowMs(): number {
    return performance.now()
  }

  wallMs(): number {
    return Date.now()
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    // Node fires longer timers after 1 ms; the driver re-arms when a capped timer fires.
    const handle = setTimeout(callback, Math.min(delayMs, 2 ** 31 - 1))
    return { cancel: () => clearTimeout(handle) }
  }
}
