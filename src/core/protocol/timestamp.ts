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

/** Epochs are `generation * 2^20 + nonce`: the nonce (from the incarnation) tells apart two starts in one generation. */
export const EPOCH_NONCE_BITS = 20n
const NONCE_MASK = (1n << EPOCH_NONCE_BITS) - 1n

/** An epoch for a start in `generation` (a durable counter, or wall-clock ms) with this incarnation's nonce. */
export function epochOf(generation: bigint, incarnation: number): bigint {
  return (generation << EPOCH_NONCE_BITS) | (BigInt(incarnation) & NONCE_MASK)
}

/** The epoch a writer fenced at `fence` moves to: the next generation, keeping its own nonce. */
export function epochAbove(fence: bigint, current: bigint): bigint {
  return (((fence >> EPOCH_NONCE_BITS) + 1n) << EPOCH_NONCE_BITS) | (current & NONCE_MASK)
}
