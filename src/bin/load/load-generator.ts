import { performance } from 'node:perf_hooks'
import type { BenchTarget, OpKind } from './bench-target.js'
import { selfCpuMs } from './cpu-time.js'
import { type LatencySummary, LatencyRecorder } from './latency-recorder.js'

export interface LoadOptions {
  /** Closed-loop virtual clients: each issues its next operation when the previous one settled. */
  readonly concurrency: number
  /** Share of reads among operations, 0..1. */
  readonly readRatio: number
  /** Stop after this long... */
  readonly durationMs?: number
  /** ...or after this many operations in all (whichever is given; duration wins when both are). */
  readonly ops?: number
  /** Called about every `progressEveryMs` while running. */
  readonly onProgress?: (progress: LoadProgress) => void
  readonly progressEveryMs?: number
  /** Deterministic op/key choice for a given seed. */
  readonly seed?: number
}

export interface LoadProgress {
  readonly elapsedMs: number
  readonly done: number
  readonly errors: number
}

export interface OpStats extends LatencySummary {
  readonly kind: OpKind
  readonly errors: number
  readonly opsPerSec: number
  /** Error messages seen, with counts (the first few distinct ones). */
  readonly errorSamples: Readonly<Record<string, number>>
}

export interface LoadResult {
  readonly target: string
  readonly concurrency: number
  readonly readRatio: number
  readonly elapsedMs: number
  readonly totalOps: number
  readonly totalErrors: number
  readonly opsPerSec: number
  /** CPU of the load generator per operation, in microseconds (its own cost, part of every number). */
  readonly clientCpuUsPerOp: number
  readonly byKind: readonly OpStats[]
}

const MAX_ERROR_SAMPLES = 5

/** Per op type: latencies of the successful operations, and the errors. */
class KindStats {
  readonly latency = new LatencyRecorder()
  errors = 0
  readonly errorSamples = new Map<string, number>()

  error(error: unknown): void {
    this.errors++
    const text = error instanceof Error ? error.message : String(error)
    if (this.errorSamples.has(text) || this.errorSamples.size < MAX_ERROR_SAMPLES) {
      this.errorSamples.set(text, (this.errorSamples.get(text) ?? 0) + 1)
    }
  }
}

/**
 * Runs `concurrency` closed-loop clients against `target` until the duration or the op count is reached. Errors
 * are counted, never fatal; an operation still running at the end is waited for and counted.
 */
export async function runLoad(target: BenchTarget, options: LoadOptions): Promise<LoadResult> {
  if (options.durationMs === undefined && options.ops === undefined) throw new Error('give a duration or an op count')
  const random = seededRandom(options.seed ?? 1)
  const stats = { read: new KindStats(), write: new KindStats() }
  let started = 0
  let done = 0
  let errors = 0
  const startMs = performance.now()
  const startCpuMs = selfCpuMs()
  const endMs = options.durationMs === undefined ? Infinity : startMs + options.durationMs
  const maxOps = options.durationMs === undefined ? options.ops! : Infinity
  const more = (): boolean => started < maxOps && performance.now() < endMs

  const client = async (): Promise<void> => {
    while (more()) {
      started++
      const kind: OpKind = random() < options.readRatio ? 'read' : 'write'
      const key = Math.floor(random() * target.keyCount)
      const t0 = performance.now()
      try {
        await target.run(kind, key)
        stats[kind].latency.recordMs(performance.now() - t0)
      } catch (error) {
        stats[kind].error(error)
        errors++
      }
      done++
    }
  }

  const progress =
    options.onProgress === undefined
      ? undefined
      : setInterval(
          () => options.onProgress!({ elapsedMs: performance.now() - startMs, done, errors }),
          options.progressEveryMs ?? 250,
        )
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client))
  } finally {
    if (progress !== undefined) clearInterval(progress)
  }
  const elapsedMs = performance.now() - startMs
  const clientCpuUsPerOp = done === 0 ? 0 : Math.round(((selfCpuMs() - startCpuMs) * 1_000) / done)
  options.onProgress?.({ elapsedMs, done, errors })
  const perSec = (n: number): number => Math.round((n * 1_000) / elapsedMs)
  const byKind = (['read', 'write'] as const)
    .filter((k) => stats[k].latency.count + stats[k].errors > 0)
    .map((kind) => {
      const s = stats[kind]
      return {
        kind,
        ...s.latency.summary(),
        errors: s.errors,
        opsPerSec: perSec(s.latency.count),
        errorSamples: Object.fromEntries(s.errorSamples),
      }
    })
  return {
    target: target.name,
    concurrency: options.concurrency,
    readRatio: options.readRatio,
    elapsedMs: Math.round(elapsedMs),
    totalOps: done,
    totalErrors: errors,
    opsPerSec: perSec(done - errors),
    clientCpuUsPerOp,
    byKind,
  }
}

/** mulberry32: a small seeded generator, so two runs with the same seed draw the same ops and keys. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
