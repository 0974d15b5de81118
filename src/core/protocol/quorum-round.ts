import assert from 'node:assert'
import type { RegisterValue } from '../token/token-value.js'
import type { NodeId, ReplicaMessage } from './messages.js'
import type { Versioned } from './replica-state.js'
import type { Timestamp } from './timestamp.js'
import type { PhaseSpan } from './trace-context.js'

/** When a round sends its request again to the replicas that have not answered (see QuorumRound.armResend). */
export interface ResendTiming {
  readonly firstMs: number
  readonly maxMs: number
  /** Resend times are multiples of this, so that many rounds share one tick. */
  readonly gridMs: number
}

export interface RoundReply {
  readonly from: NodeId
  readonly ts: Timestamp
  readonly value: RegisterValue
  /** The replier's committed watermark (query answers only). */
  readonly committed?: Timestamp
  /** When the reply arrived (node clock), for traces. */
  readonly atMs?: number
}

/**
 * One phase of an operation: a request sent to every replica, replies counted as they arrive (one per replica,
 * duplicates ignored) until `needed` distinct replicas answered. Never waits for the rest, except the replicas in
 * `must` (read-lease holders), each until its time passes: bounded, so a silent holder delays, never blocks.
 */
export class QuorumRound {
  private readonly repliedFrom = new Set<NodeId>()
  readonly replies: RoundReply[] = []
  /** The span this round is, when its operation is recorded (see TraceContext). */
  span: PhaseSpan | undefined
  /** What the round sent, and when it sends it again to the replicas still silent (see armResend). */
  private request: ReplicaMessage | undefined
  private timing: ResendTiming | undefined
  private resendAtMs = Infinity
  private resendGapMs = 0

  constructor(
    readonly reqId: number,
    readonly kind: 'query' | 'store',
    readonly needed: number,
    readonly replicas: readonly NodeId[],
    readonly startedMs: number,
    /** A query's local state when it was sent: what a 'query-same' reply stands for. */
    readonly basis?: Versioned,
    /** Replicas whose reply is also needed, each until the time (node clock) its lease surely ended. */
    private must?: ReadonlyMap<NodeId, number>,
    private readonly nowMs?: () => number,
  ) {
    assert(needed >= 1 && needed <= replicas.length, `quorum ${needed} out of 1..${replicas.length}`)
  }

  /** Records a reply; false when it is a duplicate or from a node that is not a replica. */
  accept(reply: RoundReply): boolean {
    if (this.repliedFrom.has(reply.from) || !this.replicas.includes(reply.from)) return false
    this.repliedFrom.add(reply.from)
    this.replies.push(reply)
    // One reply per replica: a reply counted twice would make a minority look like a quorum.
    assert(this.replies.length === this.repliedFrom.size && this.replies.length <= this.replicas.length)
    return true
  }

  get complete(): boolean {
    if (this.repliedFrom.size < this.needed) return false
    if (this.must === undefined) return true
    const nowMs = this.nowMs!()
    for (const [node, untilMs] of this.must) if (nowMs < untilMs && !this.repliedFrom.has(node)) return false
    return true
  }

  /**
   * `from` restarted since it answered: its answer (an ack of state its new incarnation may have lost) no longer
   * counts. The replica then recovers from the others before it answers again (see ReplicaRecovery).
   */
  forget(from: NodeId): void {
    if (!this.repliedFrom.delete(from)) return
    const index = this.replies.findIndex((reply) => reply.from === from)
    if (index >= 0) this.replies.splice(index, 1)
  }

  /** Only these replicas may still hold a lease (the writer said so): stop waiting for the others. */
  narrowMust(holders: readonly NodeId[]): void {
    if (this.must === undefined) return
    const must = new Map<NodeId, number>()
    for (const [node, untilMs] of this.must) if (holders.includes(node)) must.set(node, untilMs)
    this.must = must
  }

  /**
   * Links lose messages (a stream that breaks, a channel not yet connected, a full queue), and a replica that never
   * got the request never answers: without a second copy one lost message costs the operation its deadline. The
   * round sends `request` again to the replicas that have not answered, first after `timing.firstMs`, then after
   * twice the last gap, up to `timing.maxMs`; each time is rounded up to a multiple of `timing.gridMs`, so that the
   * rounds of a busy node fall due together, in one tick. Replicas answer a repeated request as they answered the
   * first (a store of a version they hold changes nothing; a query reads again), and the round counts one answer per
   * replica. Returns when the round is due first.
   *
   * `untilMs`: when the operation the round serves gives up. A client may ask for a deadline shorter than the first
   * gap, and one lost message would then cost it the operation with no resend at all: the first gap is then a
   * quarter of the time left (one resend, and usually a second, before the deadline), on a grid as much finer.
   */
  armResend(request: ReplicaMessage, timing: ResendTiming, untilMs?: number): number {
    assert(timing.firstMs > 0 && timing.maxMs >= timing.firstMs && timing.gridMs > 0, 'resend timing')
    this.request = request
    this.timing = timing
    const leftMs = untilMs === undefined ? Infinity : untilMs - this.startedMs
    this.resendGapMs = Math.max(1, Math.min(timing.firstMs, Math.floor(leftMs / 4)))
    const shortened = this.resendGapMs < timing.firstMs
    const gridMs = shortened ? Math.max(1, Math.min(timing.gridMs, Math.floor(this.resendGapMs / 4))) : timing.gridMs
    this.resendAtMs = onGrid(this.startedMs + this.resendGapMs, gridMs)
    return this.resendAtMs
  }

  /**
   * At `nowMs`: the request and the replicas it goes to again (none before its time, or once the round is
   * complete), and when the round is due next (infinity: never).
   */
  resendDue(
    nowMs: number,
    self: NodeId,
  ): { readonly request: ReplicaMessage | undefined; readonly to: NodeId[]; readonly nextMs: number } {
    const timing = this.timing
    if (timing === undefined || this.complete) return { request: undefined, to: [], nextMs: Infinity }
    if (nowMs < this.resendAtMs) return { request: undefined, to: [], nextMs: this.resendAtMs }
    this.resendGapMs = Math.min(timing.maxMs, this.resendGapMs * 2)
    this.resendAtMs = onGrid(nowMs + this.resendGapMs, timing.gridMs)
    const to = this.replicas.filter((node) => node !== self && !this.repliedFrom.has(node))
    return { request: this.request, to, nextMs: this.resendAtMs }
  }

  /** The times at which a silent `must` replica stops counting: when to look at `complete` again. */
  wakeTimesMs(): number[] {
    return this.must === undefined ? [] : [...this.must.values()]
  }
}

function onGrid(atMs: number, gridMs: number): number {
  return Math.ceil(atMs / gridMs) * gridMs
}
