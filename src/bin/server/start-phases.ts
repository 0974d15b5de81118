import { performance } from 'node:perf_hooks'

/**
 * How long each phase of a node's start took, in ms, for its "node started" line: at 10^5 tokens an operator (and
 * bench:scale) must see whether the scheme, the data dir or the setup dominates. Phases are timed one after another.
 */
export class StartPhases {
  private readonly phases: Record<string, number>
  private lastMs = performance.now()

  /** `earlier`: phases timed before this object existed (the scheme file, say). */
  constructor(earlier: Readonly<Record<string, number>> = {}) {
    this.phases = { ...earlier }
  }

  /** Ends phase `name`, which began when the previous one ended. */
  done(name: string): void {
    const nowMs = performance.now()
    this.phases[name] = Math.round(nowMs - this.lastMs)
    this.lastMs = nowMs
  }

  /** Every phase, and `total`: the process's age now (from its start, module loading included). */
  summary(): Record<string, number> {
    return { ...this.phases, total: Math.round(performance.now()) }
  }
}
