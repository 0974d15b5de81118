import assert from 'node:assert'
import type { Argmin } from '../token/argmin.js'
import { isComplete } from '../token/token-value.js'
import type { Envelope, NodeId, ReplicaMessage } from './messages.js'
import type { ClientOp } from './operations.js'
import type { Outbox } from './outbox.js'
import { QuorumRound } from './quorum-round.js'
import { LeaseTable, ReadLease, type LeaseTiming } from './read-lease.js'
import { applyStore, INITIAL, type Versioned } from './replica-state.js'
import { compareTimestamps, type Timestamp, ZERO_TIMESTAMP } from './timestamp.js'
import { ReadCoordinator } from './read-coordinator.js'
import type { TokenContext } from './token-context.js'
import { WriterPipeline } from './writer-pipeline.js'

export interface TokenRoles {
  readonly token: string
  readonly self: NodeId
  readonly writer: NodeId
  readonly readers: readonly NodeId[]
  /** Every node that stores a copy: the writer and the readers, each once. */
  readonly replicas: readonly NodeId[]
  readonly readQuorum: number
  readonly writeQuorum: number
}

export interface RegisterLimits {
  readonly maxQueuedWrites: number
  readonly maxConcurrentReads: number
}

export interface Ids {
  /** The time of the step being processed. */
  nowMs(): number
  nextReqId(): number
  nextJobId(): number
  /** The time of this node's first step: a restarted writer honours leases it may have granted before. */
  startedMs(): number
  /** Asks for a tick at `atMs` (a lease a round waits for ends then). */
  wakeAt(atMs: number): void
}

/**
 * One token's register on one node: its replica copy (if the node stores one) and the coordinators for the
 * roles the node plays. Pure: inputs in, effects appended to an Outbox.
 */
export class TokenRegister implements TokenContext {
  private state: Versioned = INITIAL
  private committedTs: Timestamp = ZERO_TIMESTAMP
  private readonly writer: WriterPipeline | undefined
  private readonly reader: ReadCoordinator | undefined
  /** This reader's lease (undefined on the writer, which needs none: every version starts at it). */
  private readonly lease: ReadLease | undefined
  private readonly leaseTable: LeaseTable | undefined
  private readonly writerNode: NodeId
  private readonly readerNodes: readonly NodeId[]
  /**
   * Writer only, with `leases.survey`: leases are granted (and the writer reads locally) once a query to every
   * replica, sent one lease after start, has shown the newest version any of them holds. A writer that restarted
   * without its state (memory persistence) may otherwise not know a version its earlier incarnation left on a
   * minority. A durable writer needs none: it stored every version it made before sending it.
   */
  private survey: QuorumRound | undefined
  private surveyed: Timestamp | undefined
  /** Writer only: when each replica last sent anything about this token (leases need a live write quorum). */
  private readonly heardMs = new Map<NodeId, number>()
  private probedMs = -Infinity
  /**
   * Replica side: the newest incarnation of the writer this replica has heard (its stores and surveys carry their
   * epoch). A store the writer's address sent with an older epoch comes from a dead incarnation and is dropped:
   * otherwise it could land after a survey and leave a version the restarted writer never learns.
   */
  private fence = 0n
  private readonly epoch: bigint
  readonly token: string
  readonly self: NodeId
  readonly replicas: readonly NodeId[]
  readonly readQuorum: number
  readonly writeQuorum: number
  readonly isReplica: boolean

  constructor(roles: TokenRoles, epoch: bigint, limits: RegisterLimits, private readonly ids: Ids,
    private readonly leases: LeaseTiming) {
    this.token = roles.token
    this.writerNode = roles.writer
    this.readerNodes = roles.readers
    this.epoch = epoch
    this.self = roles.self
    this.replicas = roles.replicas
    this.readQuorum = roles.readQuorum
    this.writeQuorum = roles.writeQuorum
    this.isReplica = roles.replicas.includes(roles.self)
    this.writer = roles.writer === roles.self ? new WriterPipeline(this, epoch, limits.maxQueuedWrites) : undefined
    this.reader = roles.readers.includes(roles.self) ? new ReadCoordinator(this, limits.maxConcurrentReads) : undefined
    const leasing = leases.leaseMs > 0
    this.lease = leasing && this.reader !== undefined && this.writer === undefined ? new ReadLease(leases) : undefined
    this.leaseTable = leasing && this.writer !== undefined
      ? new LeaseTable(roles.readers.filter((r) => r !== roles.self), leases, () => ids.startedMs())
      : undefined
  }

  get committed(): Timestamp {
    return this.committedTs
  }

  noteCommitted(ts: Timestamp): void {
    if (compareTimestamps(ts, this.committedTs) > 0) this.committedTs = ts
  }

  get replicaState(): Versioned {
    return this.state
  }

  /** Restores the durable replica state at start, before any input. */
  restore(state: Versioned): void {
    this.state = state
  }

  submit(opId: number, op: ClientOp, deadlineMs: number, out: Outbox): void {
    if (op.type === 'read') {
      assert(this.reader, 'role checked by the node')
      this.reader.submit(opId, deadlineMs, out)
    } else {
      assert(this.writer, 'role checked by the node')
      this.writer.submit({ opId, op, deadlineMs }, out)
    }
  }

  /** A replica request or a reply from `from`. Returns false for a reply that matched no active round. */
  onMessage(from: NodeId, message: ReplicaMessage, out: Outbox): boolean {
    if (this.leaseTable !== undefined) this.heardMs.set(from, this.ids.nowMs())
    switch (message.type) {
      case 'query':
      case 'store':
        this.serve(from, message, out)
        return true
      case 'lease-request':
        this.serveLease(from, message, out)
        return true
      case 'lease-grant': {
        if (from !== this.writerNode || this.lease === undefined) return false
        if (!this.lease.granted(message.reqId, message.leaseMs, this.ids.nowMs())) return false
        this.noteCommitted(message.committed)
        return true
      }
      case 'commit':
        if (from !== this.writerNode) return false
        this.noteCommitted(message.ts)
        return true
      case 'query-reply':
      case 'query-same':
      case 'store-ack': {
        if (this.survey !== undefined && message.reqId === this.survey.reqId) return this.onSurveyReply(from, message)
        const accept = (round: QuorumRound): boolean => {
          if (round.kind !== (message.type === 'store-ack' ? 'store' : 'query')) return false
          if (message.type === 'query-reply') {
            return round.accept({ from, ts: message.ts, value: message.value, committed: message.committed })
          }
          if (message.type === 'store-ack') {
            if (message.holders !== undefined && from === this.writerNode) round.narrowMust(message.holders)
            return round.accept({ from, ts: this.state.ts, value: this.state.value })
          }
          return round.basis !== undefined &&
            round.accept({ from, ts: round.basis.ts, value: round.basis.value, committed: message.committed })
        }
        return (this.writer?.onReply(message.reqId, accept, out) ?? false) ||
          (this.reader?.onReply(message.reqId, accept, out) ?? false)
      }
    }
  }

  onHashed(jobId: number, result: Argmin | undefined, out: Outbox): boolean {
    return (this.writer?.onHashed(jobId, result, out) ?? false) || (this.reader?.onHashed(jobId, result, out) ?? false)
  }

  onHashFailed(jobId: number, reason: string, out: Outbox): void {
    if (this.writer?.onHashFailed(jobId, reason, out) !== true) this.reader?.onHashFailed(jobId, reason, out)
  }

  /** The caller left: drop the operation's work if it has not reached the replicas yet. */
  cancel(opId: number, out: Outbox): void {
    if (this.writer?.cancel(opId, out) !== true) this.reader?.cancel(opId, out)
  }

  expire(nowMs: number, out: Outbox): void {
    this.writer?.expire(nowMs, out)
    this.reader?.expire(nowMs, out)
  }

  /** Crash-stop for this token: in-flight work is dropped, never completed. */
  abandon(out: Outbox): void {
    this.lease?.drop()
    this.writer?.abandon(out)
    this.reader?.abandon(out)
  }

  get pendingCount(): number {
    return (this.writer?.pendingCount ?? 0) + (this.reader?.pendingCount ?? 0)
  }

  nextJobId(): number {
    return this.ids.nextJobId()
  }

  roundDone(round: QuorumRound, phase: 'learn' | 'write' | 'query' | 'impose', out: Outbox): void {
    out.rounds.push({ token: this.token, phase, durationMs: this.ids.nowMs() - round.startedMs })
  }

  startQuery(needed: number, out: Outbox): QuorumRound {
    const basis = this.isReplica ? this.state : undefined
    const round = new QuorumRound(this.ids.nextReqId(), 'query', needed, this.replicas, this.ids.nowMs(), basis)
    // Replicas holding what this node holds answer without the value: most reads find the replicas agreeing.
    const known = basis === undefined ? undefined : { ts: basis.ts, complete: isComplete(basis.value) }
    this.broadcast({ type: 'query', reqId: round.reqId, token: this.token, ...(known && { known }) }, out)
    if (basis !== undefined) round.accept({ from: this.self, ts: basis.ts, value: basis.value, committed: this.committedTs })
    return round
  }

  startStore(needed: number, state: Versioned, out: Outbox, must?: ReadonlyMap<NodeId, number>): QuorumRound {
    const round = new QuorumRound(this.ids.nextReqId(), 'store', needed, this.replicas, this.ids.nowMs(), undefined,
      must, this.ids.nowMs)
    for (const atMs of round.wakeTimesMs()) this.ids.wakeAt(atMs)
    const writerEpoch = this.self === this.writerNode ? { writerEpoch: this.epoch } : undefined
    this.broadcast({ type: 'store', reqId: round.reqId, token: this.token, ts: state.ts, value: state.value, ...writerEpoch }, out)
    if (this.isReplica) {
      this.store(state, out)
      round.accept({ from: this.self, ts: this.state.ts, value: this.state.value })
    }
    return round
  }

  localRead(out: Outbox): Versioned | undefined {
    if (!this.isReplica || this.leases.leaseMs <= 0) return undefined
    const nowMs = this.ids.nowMs()
    // The writer reads its own copy only when that copy is the newest version it knows of (a restarted memory-mode
    // writer's empty copy is not, nor is an older one when the survey found a newer version elsewhere).
    if (this.leaseTable !== undefined &&
        !(this.leaseReady(out) && this.quorumAlive(nowMs, out) && compareTimestamps(this.state.ts, this.floor()) >= 0)) return undefined
    if (this.lease?.due(nowMs) === true) {
      const reqId = this.ids.nextReqId()
      this.lease.requested(reqId, nowMs)
      out.sends.push({ from: this.self, to: this.writerNode, message: { type: 'lease-request', reqId, token: this.token, ts: this.state.ts } })
    }
    if (this.lease !== undefined && !this.lease.valid(nowMs)) return undefined
    // Only a committed version: a newer one may still be missing at another holder, which would serve the older.
    if (compareTimestamps(this.state.ts, this.committedTs) !== 0) return undefined
    return isComplete(this.state.value) ? this.state : undefined
  }

  writeBackMust(): ReadonlyMap<NodeId, number> | undefined {
    if (this.leases.leaseMs <= 0) return undefined
    // The writer knows its holders: it waits for those alone, as its own stores do.
    if (this.leaseTable !== undefined) return this.leaseTable.holders(this.ids.nowMs()) ?? new Map()
    const untilMs = this.ids.nowMs() + this.leases.leaseMs
    const must = new Map<NodeId, number>()
    for (const replica of this.replicas) if (replica !== this.self) must.set(replica, untilMs)
    return must
  }

  leaseHolders(): ReadonlyMap<NodeId, number> | undefined {
    return this.leaseTable?.holders(this.ids.nowMs())
  }

  writerCommitted(ts: Timestamp, out: Outbox): void {
    this.noteCommitted(ts)
    if (this.leaseTable === undefined) return
    for (const to of this.leaseTable.grantees(this.ids.nowMs())) {
      out.sends.push({ from: this.self, to, message: { type: 'commit', reqId: 0, token: this.token, ts } })
    }
  }

  /**
   * The writer grants a lease only to a reader holding every version the writer has (assigned or stored): a
   * lease granted after a version exists then never lets its holder serve an older one.
   */
  private serveLease(from: NodeId, message: ReplicaMessage & { type: 'lease-request' }, out: Outbox): void {
    if (this.leaseTable === undefined || !this.readerNodes.includes(from) || from === this.self) return
    const fresh = this.leaseReady(out) && this.quorumAlive(this.ids.nowMs(), out) && compareTimestamps(message.ts, this.floor()) >= 0
    if (fresh) this.leaseTable.grant(from, this.ids.nowMs())
    out.sends.push({ from: this.self, to: from, message: { type: 'lease-grant', reqId: message.reqId, token: this.token,
      leaseMs: fresh ? this.leases.leaseMs : 0, committed: this.committedTs } })
  }

  /**
   * Whether a write quorum (this writer included) was heard from within one lease. Not needed for atomicity (no
   * write completes without a quorum, so a holder's committed version stays the newest) but for what users expect:
   * with a silent majority, reads stop within one lease rather than go on from holders' copies.
   */
  private quorumAlive(nowMs: number, out: Outbox): boolean {
    let alive = this.isReplica ? 1 : 0
    for (const heardMs of this.heardMs.values()) if (nowMs - heardMs < this.leases.leaseMs) alive++
    if (alive >= this.writeQuorum) return true
    // Idle replicas send the writer nothing: ask them (their answers match no round; hearing them is the point).
    if (nowMs - this.probedMs >= this.leases.leaseMs / 4) {
      this.probedMs = nowMs
      this.broadcast({ type: 'query', reqId: this.ids.nextReqId(), token: this.token, known: { ts: this.state.ts, complete: isComplete(this.state.value) } }, out)
    }
    return false
  }

  /** Writer only: the newest version it knows exists (assigned, stored or surveyed). */
  private floor(): Timestamp {
    let floor = this.state.ts
    for (const ts of [this.writer!.lastTs, this.surveyed]) if (ts !== undefined && compareTimestamps(ts, floor) > 0) floor = ts
    return floor
  }

  /** Whether the survey is done; starts (or restarts, one lease after the last try) the survey when it is due. */
  private leaseReady(out: Outbox): boolean {
    if (this.surveyed !== undefined || !this.leases.survey) return true
    const nowMs = this.ids.nowMs()
    const dueMs = this.survey === undefined ? this.ids.startedMs() + this.leases.leaseMs : this.survey.startedMs + this.leases.leaseMs
    if (nowMs < dueMs) return false
    const survey = new QuorumRound(this.ids.nextReqId(), 'query', this.replicas.length, this.replicas, nowMs)
    this.survey = survey
    this.broadcast({ type: 'query', reqId: survey.reqId, token: this.token, writerEpoch: this.epoch }, out)
    if (this.isReplica) this.onSurveyReply(this.self, { type: 'query-reply', reqId: survey.reqId, token: this.token, ...this.state })
    return this.surveyed !== undefined
  }

  private onSurveyReply(from: NodeId, message: ReplicaMessage): boolean {
    const survey = this.survey!
    if (message.type !== 'query-reply') return false
    survey.accept({ from, ts: message.ts, value: message.value })
    if (!survey.complete) return true
    this.surveyed = survey.replies.reduce((max, r) => (compareTimestamps(r.ts, max) > 0 ? r.ts : max), this.state.ts)
    this.survey = undefined
    return true
  }

  private broadcast(message: ReplicaMessage, out: Outbox): void {
    for (const to of this.replicas) if (to !== this.self) out.sends.push({ from: this.self, to, message })
  }

  private serve(from: NodeId, message: ReplicaMessage & { type: 'query' | 'store' }, out: Outbox): void {
    if (!this.isReplica) return
    if (message.writerEpoch !== undefined && from === this.writerNode) {
      if (message.writerEpoch < this.fence) return
      this.fence = message.writerEpoch
    }
    let reply: Envelope
    if (message.type === 'query') {
      const known = message.known
      const same = known !== undefined && compareTimestamps(known.ts, this.state.ts) === 0 && known.complete === isComplete(this.state.value)
      const committed = this.committedTs === ZERO_TIMESTAMP ? undefined : this.committedTs
      reply = { from: this.self, to: from, message: same
        ? { type: 'query-same', reqId: message.reqId, token: this.token, ...(committed && { committed }) }
        : { type: 'query-reply', reqId: message.reqId, token: this.token, ts: this.state.ts, value: this.state.value,
          ...(committed && { committed }) } }
    } else {
      this.store({ ts: message.ts, value: message.value }, out)
      const holders = this.leaseTable === undefined ? undefined : [...this.leaseTable.holders(this.ids.nowMs())?.keys() ?? []]
      reply = { from: this.self, to: from, message: { type: 'store-ack', reqId: message.reqId, token: this.token, ...(holders && { holders }) } }
    }
    out.sends.push(reply)
  }

  private store(incoming: Versioned, out: Outbox): void {
    const next = applyStore(this.state, incoming)
    if (next === undefined) return
    this.state = next
    out.persists.push({ token: this.token, ts: next.ts, value: next.value })
  }
}
