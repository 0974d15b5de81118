import type { Clock, Timer } from '../core/ports/clock.js'

/**
 * A node clock that can be suspended, as a machine or VM is: while suspended the node runs nothing (its timers,
 * deliveries and client calls wait for the resume) and its monotonic time stands still, while wall time goes on.
 * `hideWall` makes it a clock without wall time, as nodes had before they watched for stalls (the broken variant).
 */
export class SuspendableClock implements Clock {
  private frozenAtMs: number | undefined
  private lostMs = 0
  private readonly deferred: (() => void)[] = []
  readonly wallMs: (() => number) | undefined

  constructor(
    private readonly inner: Clock,
    hideWall = false,
  ) {
    this.wallMs = hideWall ? undefined : () => inner.nowMs()
  }

  nowMs(): number {
    return (this.frozenAtMs ?? this.inner.nowMs()) - this.lostMs
  }

  /**
   * Fires once this clock reached the timer's time: a timer that came due while suspended waits for the resume and
   * then for the rest of its time on this clock (which stood still), and rounding never fires one early (the
   * driver would re-arm it at once, forever).
   */
  setTimer(delayMs: number, callback: () => void): Timer {
    const targetMs = this.nowMs() + delayMs
    let cancelled = false
    let handle: Timer
    const arm = (waitMs: number): void => {
      handle = this.inner.setTimer(waitMs, () =>
        this.whenRunning(() => {
          if (cancelled) return
          const leftMs = targetMs - this.nowMs()
          if (leftMs > 0) arm(Math.max(leftMs, 1e-9 + Math.abs(targetMs) * 1e-12))
          else callback()
        }),
      )
    }
    arm(delayMs)
    return {
      cancel: () => {
        cancelled = true
        handle.cancel()
      },
    }
  }

  get suspended(): boolean {
    return this.frozenAtMs !== undefined
  }

  suspend(): void {
    this.frozenAtMs ??= this.inner.nowMs()
  }

  /** Monotonic time goes on from where it stood; everything that waited runs now, in order. */
  resume(): void {
    if (this.frozenAtMs === undefined) return
    this.lostMs += this.inner.nowMs() - this.frozenAtMs
    this.frozenAtMs = undefined
    for (const run of this.deferred.splice(0)) run()
  }

  /** Runs `work` now, or at the resume while suspended. */
  whenRunning(work: () => void): void {
    if (this.frozenAtMs === undefined) work()
    else this.deferred.push(work)
  }
}
