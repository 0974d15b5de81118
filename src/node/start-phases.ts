import { performance } from 'node:perf_hooks'

/**
 * How long each phase of a node's start took, in ms of wall time and of this process's CPU time, for its "node
 * started" line: at 10^5 tokens an operator (and bench:scale) must see whether the scheme, the data dir or the
 * setup dominates, and on a busy machine wall time alone says little. Phases are timed one after another.
 */
export class StartPhases {
  private readonly wall: Record<string, number>
  private readonly cpu: Record<string, number> = {}
  private lastMs = performance.now()
  private lastCpuMs = cpuMs()

  /** `earlier`: phases timed before this object existed (the scheme file, say), wall and CPU. */
  constructor(
    earlier: { readonly wall?: Readonly<Record<string, number>>; readonly cpu?: Readonly<Record<string, number>> } = {},
  ) {
    this.wall = { ...earlier.wall }
    Object.assign(this.cpu, earlier.cpu)
  }

  /** Ends phase `name`, which began when the previous one ended. */
  done(name: string): void {
    const nowMs = performance.now()
    const nowCpuMs = cpuMs()
    this.wall[name] = Math.round(nowMs - this.lastMs)
    this.cpu[name] = Math.round(nowCpuMs - this.lastCpuMs)
    this.lastMs = nowMs
    this.lastCpuMs = nowCpuMs
  }

  /** Every phase, and `total`: the process's age now (from its start, module loading included), wall and CPU. */
  summary(): { startupMs: Record<string, number>; startupCpuMs: Record<string, number> } {
    return {
      startupMs: { ...this.wall, total: Math.round(performance.now()) },
      startupCpuMs: { ...this.cpu, total: Math.round(cpuMs()) },
    }
  }
}

/** CPU time of this process so far (all its threads), in ms. */
export function cpuMs(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1_000
}
