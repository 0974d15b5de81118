import { performance } from 'node:perf_hooks'

export interface SweepResult {
  readonly ms: number
  readonly errors: number
  readonly firstError?: string
}

/**
 * Runs `op(i)` for i in 0..count-1, `concurrency` at a time (a closed loop, so a slow cluster is never handed
 * thousands of calls at once); counts failures instead of stopping.
 */
export async function sweep(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<SweepResult> {
  const startMs = performance.now()
  let next = 0
  let errors = 0
  let firstError: string | undefined
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      try {
        await op(i)
      } catch (error) {
        errors++
        firstError ??= String(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { ms: performance.now() - startMs, errors, ...(firstError !== undefined && { firstError }) }
}
