import { isComplete } from '../token/token-value.js'
import type { NodeId, ReplicaMessage } from './messages.js'
import type { Outbox } from './outbox.js'
import { QuorumRound } from './quorum-round.js'
import { LeaseTable, type LeaseTiming } from './read-lease.js'
import type { Versioned } from './replica-state.js'
import { compareTimestamps, type Timestamp } from './timestamp.js'

/** What the grantor needs of its token's register on the writer node. */
export interface GrantorHost {
  readonly token: string
  readonly self: NodeId
  readonly replicas: readonly NodeId[]
  readonly readers: readonly NodeId[]
  readonly writeQuorum: number
  /** The writer's epoch now (it rises when a replica answers with a newer fence). */
  epoch(): bigint
  /** Whether the writer's own copy is still recovering (then it grants nothing and reads nothing locally). */
  recovering(): boolean
  /** The writer's replica copy. */
  state(): Versioned
  /** The newest version the writer pipeline assigned or learned. */
  lastTs(): Timestamp | undefined
  committed(): Timestamp
  nowMs(): number
  startedMs(): number
  nextReqId(): number
  broadcast(message: ReplicaMessage, out: Outbox): void
}

/**
 * The writer's side of read leases for one token: whom it granted a lease, when it may grant one, and the newest
 * version it knows exists (no lease goes to a reader lacking it, and the writer reads its own copy only when that
 * copy is it).
 *
 * With `leases.survey` leases wait for a query to every replica, sent one lease after start: a restarted writer
 * may otherwise not know a version its earlier incarnation left on a minority (it kept no state, or it sent the
 * version before its own copy was saved: RegisterNodeConfig.storesBeforeSave). The query carries the writer's
 * epoch, so replicas drop later stores of older incarnations (see TokenRegister's fence). Only a writer whose
 * disk holds every version it ever sent could skip it; tm-server's writers do not keep that promise.
 */
export class LeaseGrantor {
  readonly table: LeaseTable
  private survey: QuorumRound | undefined
  private surveyed: Timestamp | undefined
  /** When each replica last sent anything about this token (leases need a live write quorum). */
  private readonly heardMs = new Map<NodeId, number>()
  private probedMs = -Infinity
  /** When a survey restarted for a new epoch is due (undefined: one lease after start, or after the last one). */
  private surveyDueMs: number | undefined

  constructor(
    private readonly host: GrantorHost,
    private readonly timing: LeaseTiming,
  ) {
    this.table = new LeaseTable(
      host.readers.filter((r) => r !== host.self),
      timing,
      () => host.startedMs(),
    )
  }

  heard(from: NodeId): void {
    this.heardMs.set(from, this.host.nowMs())
  }

  /** A reader's lease request: granted when it holds the newest version this writer knows of, refused (0) if not. */
  serve(from: NodeId, message: ReplicaMessage & { type: 'lease-request' }, inc: number | undefined, out: Outbox): void {
    if (!this.host.readers.includes(from) || from === this.host.self) return
    const fresh = this.mayLease(out) && compareTimestamps(message.ts, this.floor()) >= 0
    if (fresh) this.table.grant(from, this.host.nowMs())
    out.sends.push({
      from: this.host.self,
      to: from,
      message: {
        type: 'lease-grant',
        reqId: message.reqId,
        token: this.host.token,
        leaseMs: fresh ? this.timing.leaseMs : 0,
        committed: this.host.committed(),
        ...(inc !== undefined && { re: inc }),
      },
    })
  }

  /** Whether the writer may answer a read from its own copy (it needs no lease of its own: it makes every version). */
  mayReadOwnCopy(out: Outbox): boolean {
    return this.mayLease(out) && compareTimestamps(this.host.state().ts, this.floor()) >= 0
  }

  /** A reply to our survey: consumed (true) when it is one. */
  onReply(from: NodeId, message: ReplicaMessage): boolean {
    const survey = this.survey
    if (survey === undefined || message.reqId !== survey.reqId) return false
    // A fenced or recovering answer is no survey answer: the survey starts over under the raised epoch, or waits.
    if (message.type === 'query-reply' && message.fenced !== true && message.recovering !== true) {
      this.surveyReply(from, message.ts, message.value)
    }
    return true
  }

  /** A reader restarted: its new incarnation holds no lease (leases live in memory only). */
  revoke(reader: NodeId): void {
    this.table.revoke(reader)
  }

  /** The writer moved to a newer epoch: a survey under the old one was (or will be) refused, so start it over. */
  epochRaised(): void {
    if (this.surveyed !== undefined) return
    this.survey = undefined
    this.surveyDueMs = this.host.nowMs()
  }

  private mayLease(out: Outbox): boolean {
    return !this.host.recovering() && this.surveyDone(out) && this.quorumAlive(out)
  }

  /** The newest version this writer knows exists: assigned, stored, or found by the survey. */
  private floor(): Timestamp {
    // Runs on every read at the writer: no arrays.
    return later(later(this.host.state().ts, this.host.lastTs()), this.surveyed)
  }

  /**
   * Whether a write quorum (this writer included) was heard from within one lease. Not needed for atomicity (no
   * write completes without a quorum, so a holder's committed version stays the newest) but for what users expect:
   * with a silent majority, reads stop once the leases run out rather than go on from holders' copies.
   */
  private quorumAlive(out: Outbox): boolean {
    const nowMs = this.host.nowMs()
    let alive = this.host.replicas.includes(this.host.self) ? 1 : 0
    for (const heardMs of this.heardMs.values()) if (nowMs - heardMs < this.timing.leaseMs) alive++
    if (alive >= this.host.writeQuorum) return true
    // Idle replicas send the writer nothing: ask them (their answers match no round; hearing them is the point).
    if (nowMs - this.probedMs >= this.timing.leaseMs / 4) {
      this.probedMs = nowMs
      const state = this.host.state()
      this.host.broadcast(
        {
          type: 'query',
          reqId: this.host.nextReqId(),
          token: this.host.token,
          known: { ts: state.ts, complete: isComplete(state.value) },
        },
        out,
      )
    }
    return false
  }

  /** Whether the survey is done (or not needed); starts it, or starts it again one lease later, when it is due. */
  private surveyDone(out: Outbox): boolean {
    if (this.surveyed !== undefined || !this.timing.survey) return true
    const nowMs = this.host.nowMs()
    const dueMs = this.surveyDueMs ?? (this.survey?.startedMs ?? this.host.startedMs()) + this.timing.leaseMs
    if (nowMs < dueMs) return false
    this.surveyDueMs = undefined
    const survey = new QuorumRound(this.host.nextReqId(), 'query', this.host.replicas.length, this.host.replicas, nowMs)
    this.survey = survey
    this.host.broadcast(
      { type: 'query', reqId: survey.reqId, token: this.host.token, writerEpoch: this.host.epoch() },
      out,
    )
    if (this.host.replicas.includes(this.host.self))
      this.surveyReply(this.host.self, this.host.state().ts, this.host.state().value)
    return this.surveyed !== undefined
  }

  private surveyReply(from: NodeId, ts: Timestamp, value: Versioned['value']): void {
    const survey = this.survey!
    survey.accept({ from, ts, value })
    if (!survey.complete) return
    this.surveyed = survey.replies.reduce((max, r) => later(max, r.ts), this.host.state().ts)
    this.survey = undefined
  }
}

function later(a: Timestamp, b: Timestamp | undefined): Timestamp {
  return b !== undefined && compareTimestamps(b, a) > 0 ? b : a
}
