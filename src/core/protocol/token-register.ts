import assert from 'node:assert'
import type { Argmin } from '../token/argmin.js'
import { isComplete } from '../token/token-value.js'
import type { Envelope, NodeId, ReplicaMessage } from './messages.js'
import type { ClientOp } from './operations.js'
import type { Outbox } from './outbox.js'
import { QuorumRound } from './quorum-round.js'
import { LeaseGrantor } from './lease-grantor.js'
import { ReadLease, type LeaseTiming } from './read-lease.js'
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
  /** The writer's side of read leases (on the writer, with leases on). */
  private readonly grantor: LeaseGrantor | undefined
  private readonly writerNode: NodeId
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
  readonly leasing: boolean

  constructor(roles: TokenRoles, epoch: bigint, limits: RegisterLimits, private readonly ids: Ids,
    private readonly leases: LeaseTiming) {
    this.token = roles.token
    this.writerNode = roles.writer
    this.epoch = epoch
    this.self = roles.self
    this.replicas = roles.replicas
    this.readQuorum = roles.readQuorum
    this.writeQuorum = roles.writeQuorum
    this.isReplica = roles.replicas.includes(roles.self)
    this.writer = roles.writer === roles.self ? new WriterPipeline(this, epoch, limits.maxQueuedWrites) : undefined
    this.reader = roles.readers.includes(roles.self) ? new ReadCoordinator(this, limits.maxConcurrentReads) : undefined
    const leasing = leases.leaseMs > 0
    this.leasing = leasing
    this.lease = leasing && this.reader !== undefined && this.writer === undefined ? new ReadLease(leases) : undefined
    this.grantor = leasing && this.writer !== undefined ? this.makeGrantor(roles.readers) : undefined
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
    this.grantor?.heard(from)
    switch (message.type) {
      case 'query':
      case 'store':
        this.serve(from, message, out)
        return true
      case 'lease-request':
        this.grantor?.serve(from, message, out)
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
        if (this.grantor?.onReply(from, message) === true) return true
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
    if (!this.isReplica || !this.leasing) return undefined
    const nowMs = this.ids.nowMs()
    if (this.grantor !== undefined && !this.grantor.mayReadOwnCopy(out)) return undefined
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

  writeBackMust(): ReadonlyMap<NodeId, number> {
    // The writer knows its holders: it waits for those alone, as its own stores do.
    if (this.grantor !== undefined) return this.grantor.table.holders(this.ids.nowMs()) ?? new Map()
    const untilMs = this.ids.nowMs() + this.leases.leaseMs
    const must = new Map<NodeId, number>()
    for (const replica of this.replicas) if (replica !== this.self) must.set(replica, untilMs)
    return must
  }

  leaseHolders(): ReadonlyMap<NodeId, number> | undefined {
    return this.grantor?.table.holders(this.ids.nowMs())
  }

  writerCommitted(ts: Timestamp, out: Outbox): void {
    this.noteCommitted(ts)
    if (this.grantor === undefined) return
    for (const to of this.grantor.table.grantees(this.ids.nowMs())) {
      out.sends.push({ from: this.self, to, message: { type: 'commit', reqId: 0, token: this.token, ts } })
    }
  }

  private makeGrantor(readers: readonly NodeId[]): LeaseGrantor {
    return new LeaseGrantor({
      token: this.token, self: this.self, replicas: this.replicas, readers, writeQuorum: this.writeQuorum, epoch: this.epoch,
      state: () => this.state, lastTs: () => this.writer?.lastTs, committed: () => this.committedTs,
      nowMs: this.ids.nowMs, startedMs: this.ids.startedMs, nextReqId: this.ids.nextReqId,
      broadcast: (message, out) => this.broadcast(message, out),
    }, this.leases)
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
      const holders = this.grantor === undefined ? undefined : [...this.grantor.table.holders(this.ids.nowMs())?.keys() ?? []]
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
