import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import type { ArgminRequest, Hasher } from '../../core/ports/hasher.js'
import { type Argmin, betterArgmin } from '../../core/token/argmin.js'
import { loadArgminKernel } from '../native-hasher/load-argmin-kernel.js'
import type { ChunkTask } from './hash-worker.js'

export interface WorkerPoolOptions {
  /** Hashing threads; 0 means one per core. */
  readonly threads: number
  /** Values per chunk: the unit of scheduling between jobs (a job waits at most one chunk for a thread). */
  readonly chunkValues: number
  /** Ranges up to this size are hashed in place: a round trip to a worker would cost more. */
  readonly inlineMaxValues: number
  /** Bound on chunks waiting for a thread, over all jobs. */
  readonly maxQueuedChunks: number
}

export const DEFAULT_POOL_OPTIONS: WorkerPoolOptions = {
  threads: 0,
  chunkValues: 1 << 18,
  inlineMaxValues: 4096,
  maxQueuedChunks: 4096,
}

/**
 * Hashes off the event loop on a piscina pool. A range is cut into chunks; each job keeps at most one chunk per
 * thread in flight, so concurrent jobs share the threads instead of queueing behind a large one. Chunk results
 * are merged in range order. Aborting a job stops its queued chunks and flags the running ones, which stop
 * within a slice (milliseconds).
 */
export class WorkerPoolHasher implements Hasher {
  private readonly pool: Piscina<ChunkTask, Argmin | undefined>
  readonly threads: number
  /** The kernel the workers run (each loads its own): native SHA, else WASM SIMD, else TypeScript. */
  readonly kernel = loadArgminKernel().kind

  constructor(private readonly options: WorkerPoolOptions = DEFAULT_POOL_OPTIONS) {
    this.threads = options.threads > 0 ? options.threads : availableParallelism()
    this.pool = new Piscina({
      filename: new URL('./hash-worker.js', import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      maxQueue: options.maxQueuedChunks,
      idleTimeout: 60_000,
    })
  }

  argmin(request: ArgminRequest, signal: AbortSignal): Argmin | undefined | Promise<Argmin | undefined> {
    if (signal.aborted) return Promise.reject(new Error('aborted'))
    if (request.high - request.low <= BigInt(this.options.inlineMaxValues)) {
      return loadArgminKernel().argminRange(request.name, request.low, request.high)
    }
    return this.run(request, signal)
  }

  async close(): Promise<void> {
    await this.pool.destroy()
  }

  private run(request: ArgminRequest, signal: AbortSignal): Promise<Argmin | undefined> {
    const chunk = BigInt(this.options.chunkValues)
    const count = Number((request.high - request.low + chunk - 1n) / chunk)
    const results: (Argmin | undefined)[] = new Array(count)
    const cancel = new Int32Array(new SharedArrayBuffer(4))
    return new Promise((resolve, reject) => {
      let next = 0
      let done = 0
      let failed = false
      const fail = (error: unknown): void => {
        if (failed) return
        failed = true
        Atomics.store(cancel, 0, 1)
        signal.removeEventListener('abort', onAbort)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
      const onAbort = (): void => fail(new Error('aborted'))
      signal.addEventListener('abort', onAbort, { once: true })
      const submit = (): void => {
        const index = next++
        const low = request.low + BigInt(index) * chunk
        const high = low + chunk < request.high ? low + chunk : request.high
        this.pool.run({ name: request.name, low, high, cancel }).then((result) => {
          if (failed) return
          results[index] = result
          if (++done === count) {
            signal.removeEventListener('abort', onAbort)
            return resolve(results.reduce<Argmin | undefined>((best, r) => betterArgmin(best, r), undefined))
          }
          if (next < count) submit()
        }, fail)
      }
      for (let i = 0; i < Math.min(this.threads, count); i++) submit()
    })
  }
}
