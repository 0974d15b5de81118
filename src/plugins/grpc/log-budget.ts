export interface LogBudgetOptions {
  /** Lines allowed per window; more are counted, not written. */
  readonly linesPerWindow: number
  readonly windowMs: number
  /** Reports how many lines a finished window suppressed (only when it suppressed any). */
  readonly onSuppressed: (count: number, windowMs: number) => void
  /** Where time comes from (tests pass a fake). */
  readonly nowMs?: () => number
}

/**
 * A bounded number of log lines per time window, so that a flood of requests cannot flood the log: a line that
 * does not fit is counted instead, and the count is reported once its window has passed. The report comes from
 * the next line asked for after the window, or from a timer when no line comes; there is at most one timer, and
 * it does not keep the process alive.
 */
export class LogBudget {
  private windowStartMs = -Infinity
  private used = 0
  private suppressed = 0
  private timer: NodeJS.Timeout | undefined
  private readonly nowMs: () => number

  constructor(private readonly options: LogBudgetOptions) {
    if (!(options.linesPerWindow >= 0 && options.windowMs > 0))
      throw new RangeError('a log budget needs lines >= 0 and a window > 0 ms')
    this.nowMs = options.nowMs ?? (() => performance.now())
  }

  /** True when one more line fits into the current window; otherwise counts it as suppressed. */
  take(): boolean {
    const now = this.nowMs()
    if (now - this.windowStartMs >= this.options.windowMs) this.startWindow(now)
    if (this.used < this.options.linesPerWindow) {
      this.used++
      return true
    }
    this.suppressed++
    this.timer ??= setTimeout(() => this.flush(), this.windowStartMs + this.options.windowMs - now).unref()
    return false
  }

  /** Reports the lines suppressed so far, if any (also at shutdown, so that no count is lost). */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const count = this.suppressed
    this.suppressed = 0
    if (count > 0) this.options.onSuppressed(count, this.options.windowMs)
  }

  private startWindow(nowMs: number): void {
    this.flush()
    this.windowStartMs = nowMs
    this.used = 0
  }
}
