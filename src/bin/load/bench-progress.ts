import cliProgress from 'cli-progress'
import type { LoadProgress } from './load-generator.js'

/**
 * A live progress bar on stderr while a run lasts, only when stderr is a terminal (never in pipes, CI or
 * --json runs). Counts elapsed seconds for a timed run, operations for a counted one.
 */
export class BenchProgress {
  private readonly bar: cliProgress.SingleBar | undefined
  private lastDone = 0
  private lastMs = 0

  constructor(
    label: string,
    private readonly total: { durationMs?: number; ops?: number },
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (stream.isTTY !== true) return
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        hideCursor: true,
        clearOnComplete: true,
        format: `${label} {bar} {percentage}% | {done} ops | {rate} ops/s | {errors} errors`,
      },
      cliProgress.Presets.shades_classic,
    )
    this.bar.start(this.totalUnits(), 0, { done: 0, rate: 0, errors: 0 })
  }

  update(progress: LoadProgress): void {
    if (this.bar === undefined) return
    const windowMs = progress.elapsedMs - this.lastMs
    const rate = windowMs > 0 ? Math.round(((progress.done - this.lastDone) * 1_000) / windowMs) : 0
    this.lastDone = progress.done
    this.lastMs = progress.elapsedMs
    const value =
      this.total.durationMs !== undefined
        ? Math.min(this.totalUnits(), Math.round(progress.elapsedMs / 100))
        : progress.done
    this.bar.update(value, { done: progress.done, rate, errors: progress.errors })
  }

  stop(): void {
    this.bar?.stop()
  }

  private totalUnits(): number {
    return this.total.durationMs !== undefined
      ? Math.max(1, Math.round(this.total.durationMs / 100))
      : (this.total.ops ?? 1)
  }
}
