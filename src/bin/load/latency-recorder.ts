import * as hdr from 'hdr-histogram-js'

/** Latency summary of one op type, in milliseconds. */
export interface LatencySummary {
  readonly count: number
  readonly p50Ms: number
  readonly p90Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

/**
 * Latencies of one op type in an HDR histogram (microsecond resolution, 3 significant digits, up to 10 minutes):
 * constant memory and O(1) recording whatever the run length.
 */
export class LatencyRecorder {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  })

  recordMs(latencyMs: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(latencyMs * 1_000)))
  }

  get count(): number {
    return this.histogram.totalCount
  }

  summary(): LatencySummary {
    const h = this.histogram
    const ms = (us: number): number => Math.round(us) / 1_000
    if (h.totalCount === 0) return { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 }
    return {
      count: h.totalCount,
      p50Ms: ms(h.getValueAtPercentile(50)),
      p90Ms: ms(h.getValueAtPercentile(90)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      maxMs: ms(h.maxValue),
    }
  }
}
