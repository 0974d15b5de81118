import type { ArgminRequest, Hasher } from '../ports/hasher.js'
import type { HashJob, HashResult } from '../protocol/outbox.js'

/** The driver's running hash jobs: each cancellable, each reporting its result once unless cancelled first. */
export class HashJobs {
  private readonly running = new Map<number, AbortController>()

  constructor(private readonly hasher: Hasher, private readonly onDone: (jobId: number, result: HashResult) => void,
    private readonly onHashed: (values: number, durationMs: number) => void = () => {},
    private readonly nowMs: () => number = () => 0) {}

  start(job: HashJob): void {
    const controller = new AbortController()
    const request: ArgminRequest = { name: job.name, low: job.low, high: job.high }
    const startedMs = this.nowMs()
    const values = Number(job.high - job.low)
    const result = this.hasher.argmin(request, controller.signal)
    if (!(result instanceof Promise)) {
      this.onHashed(values, this.nowMs() - startedMs)
      return this.onDone(job.jobId, result)
    }
    this.running.set(job.jobId, controller)
    result.then(
      (value) => {
        if (!this.running.delete(job.jobId)) return
        this.onHashed(values, this.nowMs() - startedMs)
        this.onDone(job.jobId, value)
      },
      () => {
        // Cancelled, or the hasher failed: the operation waiting for it ends at its deadline.
        this.running.delete(job.jobId)
      })
  }

  cancel(jobId: number): void {
    this.running.get(jobId)?.abort()
    this.running.delete(jobId)
  }

  cancelAll(): void {
    for (const controller of this.running.values()) controller.abort()
    this.running.clear()
  }

  get size(): number {
    return this.running.size
  }
}
