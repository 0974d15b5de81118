/**
 * A register timestamp. `seq` is the writer's counter (the version clients see); `epoch` identifies the writer's
 * incarnation and only breaks ties, so that a restarted writer that could not learn an orphaned write's seq
 * still never produces two different values under one timestamp.
 */
export interface Timestamp {
  readonly seq: bigint
  readonly epoch: bigint
}

export const ZERO_TIMESTAMP: Timestamp = Object.freeze({ seq: 0n, epoch: 0n })

export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1
  return 0
}

export function timestampKey(ts: Timestamp): string {
  return `${ts.seq}.${ts.epoch}`
}
