import assert from 'node:assert'
import type { Argmin } from '../token/argmin.js'
import { isComplete } from '../token/token-value.js'
import type { Envelope, NodeId, ReplicaMessage } from './messages.js'
import type { ClientOp } from './operations.js'
import type { Outbox } from './outbox.js'
import { QuorumRound } from './quorum-round.js'
import { applyStore, INITIAL, type Versioned } from './replica-state.js'
import { compareTimestamps } from './timestamp.js'
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
}

/**
 * One token's register on one node: its replica copy (if the node stores one) and the coordinators for the
 * roles the node plays. Pure: inputs in, effects appended to an Outbox.
 */
export class TokenRegister implements TokenContext {
  private state: Versioned = INITIAL
  private readonly writer: WriterPipeline | undefined
  private readonly reader: ReadCoordinator | undefined
  readonly token: string
  readonly self: NodeId
  readonly replicas: readonly NodeId[]
  readonly readQuorum: number
  readonly writeQuorum: number
  readonly isReplica: boolean

  constructor(roles: TokenRoles, epoch: bigint, limits: RegisterLimits, private readonly ids: Ids) {
    this.token = roles.token
    this.self = roles.self
    this.replicas = roles.replicas
    this.readQuorum = roles.readQuorum
    this.writeQuorum = roles.writeQuorum
    this.isReplica = roles.replicas.includes(roles.self)
    this.writer = roles.writer === roles.self ? new WriterPipeline(this, epoch, limits.maxQueuedWrites) : undefined
    this.reader = roles.readers.includes(roles.self) ? new ReadCoordinator(this, limits.maxConcurrentReads) : undefined
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
    switch (message.type) {
      case 'query':
      case 'store':
        this.serve(from, message, out)
        return true
      case 'query-reply':
      case 'query-same':
      case 'store-ack': {
        const accept = (round: QuorumRound): boolean => {
          if (round.kind !== (message.type === 'store-ack' ? 'store' : 'query')) return false
          if (message.type === 'query-reply') return round.accept({ from, ts: message.ts, value: message.value })
          if (message.type === 'store-ack') return round.accept({ from, ts: this.state.ts, value: this.state.value })
          return round.basis !== undefined && round.accept({ from, ts: round.basis.ts, value: round.basis.value })
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
    if (basis !== undefined) round.accept({ from: this.self, ts: basis.ts, value: basis.value })
    return round
  }

  startStore(needed: number, state: Versioned, out: Outbox): QuorumRound {
    const round = new QuorumRound(this.ids.nextReqId(), 'store', needed, this.replicas, this.ids.nowMs())
    this.broadcast({ type: 'store', reqId: round.reqId, token: this.token, ts: state.ts, value: state.value }, out)
    if (this.isReplica) {
      this.store(state, out)
      round.accept({ from: this.self, ts: this.state.ts, value: this.state.value })
    }
    return round
  }

  private broadcast(message: ReplicaMessage, out: Outbox): void {
    for (const to of this.replicas) if (to !== this.self) out.sends.push({ from: this.self, to, message })
  }

  private serve(from: NodeId, message: ReplicaMessage & { type: 'query' | 'store' }, out: Outbox): void {
    if (!this.isReplica) return
    let reply: Envelope
    if (message.type === 'query') {
      const known = message.known
      const same = known !== undefined && compareTimestamps(known.ts, this.state.ts) === 0 && known.complete === isComplete(this.state.value)
      reply = { from: this.self, to: from, message: same
        ? { type: 'query-same', reqId: message.reqId, token: this.token }
        : { type: 'query-reply', reqId: message.reqId, token: this.token, ts: this.state.ts, value: this.state.value } }
    } else {
      this.store({ ts: message.ts, value: message.value }, out)
      reply = { from: this.self, to: from, message: { type: 'store-ack', reqId: message.reqId, token: this.token } }
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
