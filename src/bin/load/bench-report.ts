import type { LoadResult } from './load-generator.js'

const pad = (text: string | number, width: number): string => String(text).padStart(width)

/** A run as a few aligned lines: the totals, then one row per op type with its rate, latency percentiles and errors. */
export function formatLoadResult(result: LoadResult): string {
  const lines = [
    `${result.target}  C=${result.concurrency}  read ratio ${result.readRatio}  ${(result.elapsedMs / 1_000).toFixed(1)} s  ` +
      `${result.totalOps} ops, ${result.totalErrors} errors  ${result.opsPerSec} ops/s`,
    `  ${'op'.padEnd(6)}${pad('ops/s', 9)}${pad('p50 ms', 9)}${pad('p90 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('errors', 8)}`,
  ]
  for (const k of result.byKind) {
    lines.push(
      `  ${k.kind.padEnd(6)}${pad(k.opsPerSec, 9)}${pad(k.p50Ms.toFixed(2), 9)}${pad(k.p90Ms.toFixed(2), 9)}` +
        `${pad(k.p99Ms.toFixed(2), 9)}${pad(k.maxMs.toFixed(2), 9)}${pad(k.errors, 8)}`,
    )
    for (const [message, count] of Object.entries(k.errorSamples)) lines.push(`    ${count} x ${message}`)
  }
  return `${lines.join('\n')}\n`
}
