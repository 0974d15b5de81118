import type { NodeId } from './messages.js'

/**
 * Read leases: how long a writer promises a reader its writes will wait for it, and the bound on clock rate
 * drift every node assumes. Both must be the same on every node of a cluster, like the quorum strategy.
 */
export interface LeaseTiming {
  /** 0 turns leases off: every read runs the quorum protocol. */
  readonly leaseMs: number
  /** Bound on how far any node's clock rate may stray from real time (0.01 = 1 %). */
  readonly driftRate: number
  /**
   * Whether a writer must first hear every replica's version before it grants a lease (see LeaseGrantor): false
   * only for a writer whose disk holds every version it sent (durable, and not storesBeforeSave).
   */
  readonly survey: boolean
}

export const NO_LEASES: LeaseTiming = Object.freeze({ leaseMs: 0, driftRate: 0, survey: true })

/**
 * After a refusal the reader asks again after this share of a lease: soon enough when it only lacked a version
 * still in flight, rarely enough when the writer cannot grant for a while (no live quorum, survey not done).
 */
const REFUSED_RETRY_SHARE = 1 / 20

/**
 * A reader's lease from the writer of one token. The writer counts a lease from when the request reached it;
 * the reader counts from when it sent the request, which is earlier in real time, and shortens the lease by the
 * worst drift of both clocks, so the reader stops using it before the writer stops honouring it.
 */
export class ReadLease {
  private untilMs = -Infinity
  private request: { readonly reqId: number; readonly sentMs: number } | undefined
  private retryAtMs = -Infinity

  constructor(private readonly timing: LeaseTiming) {}

  valid(nowMs: number): boolean {
    return nowMs < this.untilMs
  }

  /** The ms the lease has left at `nowMs`; undefined when it holds none. */
  remainingMs(nowMs: number): number | undefined {
    return this.valid(nowMs) ? this.untilMs - nowMs : undefined
  }

  /** Whether to ask for a (longer) lease now: half of it is used up and no request is out (a lost one is retried). */
  due(nowMs: number): boolean {
    if (this.timing.leaseMs <= 0 || this.untilMs - nowMs > this.timing.leaseMs / 2 || nowMs < this.retryAtMs)
      return false
    return this.request === undefined || nowMs - this.request.sentMs >= this.timing.leaseMs
  }

  requested(reqId: number, nowMs: number): void {
    this.request = { reqId, sentMs: nowMs }
  }

  /** The writer's answer; `leaseMs` 0 is a refusal. False when it answers no request of ours. */
  granted(reqId: number, leaseMs: number, nowMs: number): boolean {
    const request = this.request
    if (request === undefined || request.reqId !== reqId) return false
    this.request = undefined
    if (leaseMs <= 0) {
      this.retryAtMs = nowMs + this.timing.leaseMs * REFUSED_RETRY_SHARE
      return true
    }
    // Never longer than our own setting: a writer configured otherwise must not stretch our promise.
    const drift = this.timing.driftRate
    const heldMs = (Math.min(leaseMs, this.timing.leaseMs) * (1 - drift)) / (1 + drift)
    this.untilMs = Math.max(this.untilMs, request.sentMs + heldMs)
    return true
  }

  /** Crash-stop for the token: nothing held. */
  drop(): void {
    this.untilMs = -Infinity
    this.request = undefined
  }
}

/**
 * The writer's side: which readers may hold a lease and until when (writer clock). A restarted writer cannot
 * know what its earlier incarnation granted, so every reader counts as a holder until one lease after start.
 */
export class LeaseTable {
  private readonly grants = new Map<NodeId, number>()

  constructor(
    /** The token's readers other than the writer itself. */
    private readonly readers: readonly NodeId[],
    private readonly timing: LeaseTiming,
    private readonly startedMs: () => number,
  ) {}

  grant(reader: NodeId, nowMs: number): void {
    this.grants.set(reader, nowMs + this.timing.leaseMs)
  }

  /** The reader restarted: its new incarnation holds none of our grants. */
  revoke(reader: NodeId): void {
    this.grants.delete(reader)
  }

  /** Readers whose lease may still be in force, each with when it surely ends; undefined when there are none. */
  holders(nowMs: number): Map<NodeId, number> | undefined {
    if (this.timing.leaseMs <= 0) return undefined
    const afterStartMs = this.startedMs() + this.timing.leaseMs
    let holders: Map<NodeId, number> | undefined
    for (const reader of this.readers) {
      const untilMs = Math.max(this.grants.get(reader) ?? -Infinity, afterStartMs)
      if (untilMs > nowMs) (holders ??= new Map()).set(reader, untilMs)
    }
    return holders
  }

  /** Readers holding a lease we granted: they read locally, so they want to hear of commits. */
  grantees(nowMs: number): NodeId[] {
    const out: NodeId[] = []
    for (const [reader, untilMs] of this.grants) if (untilMs > nowMs) out.push(reader)
    return out
  }
}
