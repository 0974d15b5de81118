import type { ArgminRequest, Hasher } from '../ports/hasher.js'
import type { HashJob, HashResult } from '../protocol/outbox.js'

export interface HashJobEvents {
  /** The job's result, once, unless it was cancelled first. */
  done(jobId: number, result: HashResult): void
  /** The hasher rejected a job we did not cancel: its waiters must not wait for their deadlines. */
  failed(jobId: number, reason: string): void
  /** For metrics: how many values were hashed and how long it took. */
  hashed(values: number, durationMs: number): void
  nowMs(): number
}

/** The driver's running hash jobs: each cancellable, each reporting its result or failure once unless cancelled. */
export class HashJobs {
  private readonly running = new Map<number, AbortController>()
  /** A controller no job owns: jobs answered in place pass it on, so most writes create none (they cost ~2 % of a writer's CPU). */
  private spare: AbortController | undefined

  constructor(
    private readonly hasher: Hasher,
    private readonly events: HashJobEvents,
  ) {}

  start(job: HashJob): void {
    const controller = this.spare ?? new AbortController()
    this.spare = undefined
    const request: ArgminRequest = { name: job.name, low: job.low, high: job.high }
    const startedMs = this.events.nowMs()
    const values = Number(job.high - job.low)
    let result: ReturnType<Hasher['argmin']>
    try {
      result = this.hasher.argmin(request, controller.signal)
    } catch (error) {
      return this.events.failed(job.jobId, String(error))
    }
    if (!(result instanceof Promise)) {
      this.spare = controller // never aborted: the job is over before anyone could cancel it
      this.events.hashed(values, this.events.nowMs() - startedMs)
      return this.events.done(job.jobId, result)
    }
    this.running.set(job.jobId, controller)
    result.then(
      (value) => {
        if (!this.running.delete(job.jobId)) return
        this.events.hashed(values, this.events.nowMs() - startedMs)
        this.events.done(job.jobId, value)
      },
      (error: unknown) => {
        // A job we cancelled is already gone from `running`: its rejection is expected and says nothing.
        if (!this.running.delete(job.jobId)) return
        this.events.failed(job.jobId, error instanceof Error ? error.message : String(error))
      },
    )
  }

  cancel(jobId: number): void {
    const controller = this.running.get(jobId)
    this.running.delete(jobId)
    controller?.abort()
  }

  cancelAll(): void {
    const controllers = [...this.running.values()]
    this.running.clear()
    for (const controller of controllers) controller.abort()
  }

  get size(): number {
    return this.running.size
  }
}
