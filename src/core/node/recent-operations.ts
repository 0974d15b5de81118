import type { OperationType } from '../ports/metrics.js'

/** One client operation this node coordinated (node clock). */
export interface RecentOperation {
  readonly token: string
  readonly type: OperationType
  readonly startMs: number
  readonly durationMs: number
  /** 'ok' or the error code. */
  readonly outcome: string
  /** The trace it was recorded in; undefined when it was not recorded. */
  readonly traceId: string | undefined
}

type Slot = { -readonly [K in keyof RecentOperation]: RecentOperation[K] }

/**
 * The last `capacity` client operations this node coordinated, always on: a ring of slots allocated once and
 * overwritten in place, so recording one costs no allocation.
 */
export class RecentOperations {
  private readonly slots: Slot[]
  private next = 0
  private count = 0

  constructor(readonly capacity: number) {
    this.slots = Array.from({ length: capacity }, () => ({
      token: '',
      type: 'read' as OperationType,
      startMs: 0,
      durationMs: 0,
      outcome: '',
      traceId: undefined as string | undefined,
    }))
  }

  record(token: string, type: OperationType, startMs: number, durationMs: number, outcome: string, traceId?: string) {
    const slot = this.slots[this.next]!
    slot.token = token
    slot.type = type
    slot.startMs = startMs
    slot.durationMs = durationMs
    slot.outcome = outcome
    slot.traceId = traceId
    this.next = (this.next + 1) % this.capacity
    this.count = Math.min(this.count + 1, this.capacity)
  }

  /** Newest first, at most `limit`, only of `token` when given: copies, so later records do not change them. */
  list(limit: number, token?: string): RecentOperation[] {
    const found: RecentOperation[] = []
    for (let i = 1; i <= this.count && found.length < limit; i++) {
      const slot = this.slots[(this.next - i + this.capacity) % this.capacity]!
      if (token === undefined || slot.token === token) found.push({ ...slot })
    }
    return found
  }
}
