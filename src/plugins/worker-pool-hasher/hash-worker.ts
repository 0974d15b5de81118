import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import type { Argmin } from '../../core/token/argmin.js'
import { loadArgminKernel } from '../native-hasher/load-argmin-kernel.js'

/** One chunk of a job: [low, high) of `name`, abandoned soon after `cancel[0]` becomes non-zero. */
export interface ChunkTask {
  readonly name: string
  readonly low: bigint
  readonly high: bigint
  readonly cancel: Int32Array
}

/** Values hashed between two looks at the cancel flag: a few milliseconds of work. */
const SLICE_VALUES = 1n << 16n

lowerThreadPriority()
const kernel = loadArgminKernel()

/**
 * The piscina worker: the argmin of one chunk, in slices so that a cancelled job stops within milliseconds.
 * Returns undefined when cancelled (the caller has already moved on and ignores it).
 */
export default function argminChunk(task: ChunkTask): Argmin | undefined {
  let best: Argmin | undefined
  for (let low = task.low; low < task.high; low += SLICE_VALUES) {
    if (Atomics.load(task.cancel, 0) !== 0) return undefined
    const high = low + SLICE_VALUES < task.high ? low + SLICE_VALUES : task.high
    const slice = kernel.argminRange(task.name, low, high)
    // Slices run in range order, so on equal hashes the earlier (smaller) nonce is kept.
    if (slice !== undefined && (best === undefined || slice.hash < best.hash)) best = slice
  }
  return best
}

/**
 * Hashing threads yield to the event loops (this node's and its neighbours' on the same machine): Linux nice
 * values are per thread, and a thread's id is readable from /proc/thread-self. Best effort elsewhere.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10)
  } catch {
    // Not Linux, or not permitted: hashing still works, only at normal priority.
  }
}
