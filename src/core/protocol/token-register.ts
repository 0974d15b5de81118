import assert from 'node:assert'
import type { Argmin } from '../token/argmin.js'
import { isComplete } from '../token/token-value.js'
import type { AnswerMessage, Envelope, NodeId, ReplicaMessage } from './messages.js'
import type { ClientOp } from './operations.js'
import type { Outbox, PhaseEnd } from './outbox.js'
import { DeadlineHeap } from './deadline-heap.js'
import { QuorumRound, type ResendTiming } from './quorum-round.js'
import { LeaseGrantor } from './lease-grantor.js'
import { ReadLease, type LeaseTiming } from './read-lease.js'
import { applyStore, INITIAL, type Versioned } from './replica-state.js'
import { ReplicaRecovery, type RecoveryTiming } from './replica-recovery.js'
import { compareTimestamps, epochAbove, type Timestamp, ZERO_TIMESTAMP } from './timestamp.js'
import { ReadCoordinator } from './read-coordinator.js'
import type { RoundOwner, RoundPhase, TokenContext } from './token-context.js'
import { roundSpan, type TraceContext } from './trace-context.js'
import { WriterPipeline } from './writer-pipeline.js'

/** Requests a recovering replica holds per token until it has recovered. */
const MAX_HELD_REQUESTS = 1024

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
  /** Broken variant for tests only: each read waits for lease holders alone (see ReadCoordinator). */
  readonly perReadCommitWait?: boolean
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
  /** This writer's epoch: raised above any fence a replica answers with (a wall clock stepped back, a restored dir). */
  private epoch: bigint
  /** Set while this replica's copy is not trusted (it started without its earlier state); see ReplicaRecovery. */
  private recovery: ReplicaRecovery | undefined
  /** The replicas this one saw without state when it began the token's history, by incarnation (see fresh). */
  private genesis: ReadonlyMap<NodeId, number> | undefined
  /** The tick this register asked for to resend rounds' requests (at most one pending: see resendRounds). */
  private resendWakeMs: number | undefined
  /**
   * Rounds by when they are due to resend. A round that completed or was dropped leaves at its next due time: the
   * heap holds at most the rounds started within the first resend gap, and those still open.
   */
  private readonly resendQueue = new DeadlineHeap<QuorumRound>()
  /** Requests held while recovering, answered once recovered (bounded; past the bound they get a recovering answer). */
  private held: {
    readonly from: NodeId
    readonly message: ReplicaMessage & { type: 'query' | 'store' }
    readonly inc: number | undefined
  }[] = []
  readonly token: string
  readonly self: NodeId
  readonly replicas: readonly NodeId[]
  readonly readQuorum: number
  readonly writeQuorum: number
  readonly isReplica: boolean
  readonly leasing: boolean
  /**
   * How many peer restarts the node had seen when this register last caught up with them (RegisterNode applies
   * the ones it missed before the register handles anything: see RegisterNode.caughtUp).
   */
  restartsSeen = 0

  constructor(
    roles: TokenRoles,
    epoch: bigint,
    limits: RegisterLimits,
    private readonly ids: Ids,
    private readonly leases: LeaseTiming,
    recovery: RecoveryTiming | undefined,
    /** See RegisterNodeConfig.storesBeforeSave. */
    private readonly storesBeforeSave: boolean,
    /** Undefined: rounds never resend (hand-driven tests that count messages, and the broken variant). */
    private readonly resend: ResendTiming | undefined,
  ) {
    this.token = roles.token
    this.writerNode = roles.writer
    this.epoch = epoch
    this.self = roles.self
    this.replicas = roles.replicas
    this.readQuorum = roles.readQuorum
    this.writeQuorum = roles.writeQuorum
    this.isReplica = roles.replicas.includes(roles.self)
    this.writer =
      roles.writer === roles.self ? new WriterPipeline(this, () => this.epoch, limits.maxQueuedWrites) : undefined
    this.reader = roles.readers.includes(roles.self)
      ? new ReadCoordinator(this, limits.maxConcurrentReads, limits.perReadCommitWait === true)
      : undefined
    const leasing = leases.leaseMs > 0
    this.leasing = leasing
    this.lease = leasing && this.reader !== undefined && this.writer === undefined ? new ReadLease(leases) : undefined
    this.grantor = leasing && this.writer !== undefined ? this.makeGrantor(roles.readers) : undefined
    if (recovery !== undefined && this.isReplica) this.recovery = this.makeRecovery(recovery)
  }

  /** Whether this replica is still recovering its state (answers count in no quorum, reads never local). */
  get recovering(): boolean {
    return this.recovery !== undefined
  }

  recoveryProgress(): { answered: number; ready: number; others: number } | undefined {
    return this.recovery?.progress()
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

  /**
   * Restores the durable replica state at start, before any input. A durable copy needs no recovery: every answer
   * of the earlier incarnation followed its persist, and a recovering replica persists nothing until it recovered.
   */
  restore(state: Versioned): void {
    this.state = state
    this.recovery = undefined
  }

  /** `trace`: set when the operation is recorded (see the Tracer port). */
  submit(opId: number, op: ClientOp, deadlineMs: number, out: Outbox, trace?: TraceContext): void {
    this.recovery?.poll(out, true)
    if (op.type === 'read') {
      assert(this.reader, 'role checked by the node')
      this.reader.submit(opId, deadlineMs, out, trace)
    } else {
      assert(this.writer, 'role checked by the node')
      this.writer.submit({ opId, op, deadlineMs, trace }, out)
    }
  }

  /**
   * A replica request or a reply from `from` (whose incarnation is `inc`). Returns false for a reply that matched
   * no active round.
   */
  onMessage(from: NodeId, message: ReplicaMessage, inc: number | undefined, out: Outbox): boolean {
    const answer = message.type === 'query-reply' || message.type === 'store-ack' ? message : undefined
    // A recovering replica is no live vote: the writer must not count it toward the quorum its leases need.
    if (answer?.recovering !== true) this.grantor?.heard(from)
    // Only answers to the writer carry fences.
    if (this.writer !== undefined && answer?.fence !== undefined) this.onFence(answer, out)
    switch (message.type) {
      case 'query':
      case 'store':
        this.serve(from, message, inc, out)
        return true
      case 'lease-request':
        this.grantor?.serve(from, message, inc, out)
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
        if (
          message.type === 'query-reply' &&
          this.recovery?.onAnswer(
            from,
            message.reqId,
            message,
            message.recovering !== true,
            inc,
            message.fresh === true,
          ) === true
        ) {
          this.tryRecover(out)
          return true
        }
        if (this.grantor?.onReply(from, message) === true) return true
        const accept = (round: QuorumRound): boolean => {
          // A recovering replica's copy may lack what it acknowledged before its restart: it counts for nothing.
          if (message.type !== 'query-same' && message.recovering === true) return false
          if (message.type === 'store-ack' && message.fenced === true) return false
          if (round.kind !== (message.type === 'store-ack' ? 'store' : 'query')) return false
          if (message.type === 'query-reply') {
            return round.accept({
              from,
              ts: message.ts,
              value: message.value,
              committed: message.committed,
              atMs: this.ids.nowMs(),
            })
          }
          if (message.type === 'store-ack') {
            if (message.holders !== undefined && from === this.writerNode) round.narrowMust(message.holders)
            const counted = round.accept({ from, ts: this.state.ts, value: this.state.value, atMs: this.ids.nowMs() })
            // A repeated ack of the writer counts no replica twice, yet its holders may complete the round now.
            return counted || round.complete
          }
          return (
            round.basis !== undefined &&
            round.accept({
              from,
              ts: round.basis.ts,
              value: round.basis.value,
              committed: message.committed,
              atMs: this.ids.nowMs(),
            })
          )
        }
        return (
          (this.writer?.onReply(message.reqId, accept, out) ?? false) ||
          (this.reader?.onReply(message.reqId, accept, out) ?? false)
        )
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
    if (this.recovery !== undefined) {
      this.recovery.poll(out, false)
      this.tryRecover(out)
    }
    this.writer?.expire(nowMs, out)
    this.reader?.expire(nowMs, out)
    this.resendRounds(nowMs, out)
  }

  /**
   * Sends each open round's request again to the replicas that have not answered, when its time came. Only the
   * rounds due are looked at, and one pending tick per token covers them all (see QuorumRound.armResend's grid).
   */
  private resendRounds(nowMs: number, out: Outbox): void {
    if (this.resendWakeMs === undefined || nowMs < this.resendWakeMs) return
    this.resendWakeMs = undefined
    for (const round of this.resendQueue.popDue(nowMs)) {
      if (this.writer?.isOpen(round) !== true && this.reader?.isOpen(round) !== true) continue
      const due = round.resendDue(nowMs, this.self)
      for (const to of due.to) out.sends.push({ from: this.self, to, message: due.request! })
      if (due.nextMs !== Infinity) this.resendQueue.push(due.nextMs, round)
    }
    const nextMs = this.resendQueue.peekMs()
    if (nextMs !== undefined) this.wakeForResend(nextMs)
  }

  private armResend(round: QuorumRound, request: ReplicaMessage, untilMs: number | undefined): void {
    if (this.resend === undefined) return
    const atMs = round.armResend(request, this.resend, untilMs)
    this.resendQueue.push(atMs, round)
    this.wakeForResend(atMs)
  }

  private wakeForResend(atMs: number): void {
    if (this.resendWakeMs !== undefined && this.resendWakeMs <= atMs) return
    this.resendWakeMs = atMs
    this.ids.wakeAt(atMs)
  }

  /**
   * `peer` restarted (a message of a new incarnation arrived): what it acknowledged before may be lost, so its
   * answers leave every open round, and any read lease it held is gone with its memory.
   */
  peerRestarted(peer: NodeId): void {
    this.writer?.forget(peer)
    this.reader?.forget(peer)
    this.grantor?.revoke(peer)
  }

  /** A peer came up: a recovering replica asks again at its next tick, as if it had not asked yet. */
  askAgain(): boolean {
    return this.recovery?.askAgain() ?? false
  }

  /** Crash-stop for this token: in-flight work is dropped, never completed. */
  abandon(out: Outbox): void {
    this.held = []
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

  nowMs(): number {
    return this.ids.nowMs()
  }

  recoveryNote(): string {
    const progress = this.recovery?.progress()
    if (progress === undefined) return ''
    return (
      `; this replica lost its state in a restart and is recovering it (${progress.answered} of ${progress.others} other ` +
      `replicas answered, ${progress.ready} with their state; it needs ${this.replicas.length - this.writeQuorum + 1} ready, or all)`
    )
  }

  roundDone(round: QuorumRound, phase: RoundPhase, out: Outbox): void {
    this.roundEvent(round, phase, 'quorum', out)
  }

  roundEnded(round: QuorumRound, phase: RoundPhase, end: PhaseEnd, out: Outbox): void {
    if (round.span !== undefined) this.roundEvent(round, phase, end, out)
  }

  private roundEvent(round: QuorumRound, phase: RoundPhase, end: PhaseEnd, out: Outbox): void {
    out.phases.push({
      token: this.token,
      phase,
      startMs: round.startedMs,
      durationMs: this.ids.nowMs() - round.startedMs,
      end,
      asked: round.replicas,
      replies: round.replies,
      span: round.span,
    })
  }

  startQuery(needed: number, out: Outbox, owner?: RoundOwner): QuorumRound {
    const basis = this.isReplica && this.recovery === undefined ? this.state : undefined
    const round = new QuorumRound(this.ids.nextReqId(), 'query', needed, this.replicas, this.ids.nowMs(), basis)
    const sent = this.traced(round, owner?.trace)
    // Replicas holding what this node holds answer without the value: most reads find the replicas agreeing.
    const known = basis === undefined ? undefined : { ts: basis.ts, complete: isComplete(basis.value) }
    const request: ReplicaMessage = {
      type: 'query',
      reqId: round.reqId,
      token: this.token,
      ...(known && { known }),
      ...(sent && { trace: sent }),
    }
    this.broadcast(request, out)
    this.armResend(round, request, owner?.deadlineMs)
    if (basis !== undefined)
      round.accept({
        from: this.self,
        ts: basis.ts,
        value: basis.value,
        committed: this.committedTs,
        atMs: round.startedMs,
      })
    return round
  }

  startStore(
    needed: number,
    state: Versioned,
    out: Outbox,
    must?: ReadonlyMap<NodeId, number>,
    owner?: RoundOwner,
  ): QuorumRound {
    const round = new QuorumRound(
      this.ids.nextReqId(),
      'store',
      needed,
      this.replicas,
      this.ids.nowMs(),
      undefined,
      must,
      this.ids.nowMs,
    )
    const sent = this.traced(round, owner?.trace)
    for (const atMs of round.wakeTimesMs()) this.ids.wakeAt(atMs)
    const writerEpoch = this.self === this.writerNode ? { writerEpoch: this.epoch } : undefined
    const request: ReplicaMessage = {
      type: 'store',
      reqId: round.reqId,
      token: this.token,
      ts: state.ts,
      value: state.value,
      ...writerEpoch,
      ...(sent && { trace: sent }),
    }
    this.broadcast(request, out, writerEpoch !== undefined && this.storesBeforeSave ? out.earlySends : out.sends)
    this.armResend(round, request, owner?.deadlineMs)
    if (this.isReplica && this.recovery === undefined) {
      this.store(state, out)
      round.accept({ from: this.self, ts: this.state.ts, value: this.state.value, atMs: round.startedMs })
    }
    return round
  }

  /** Gives a recorded operation's round its span; returns the context its messages carry (undefined: none). */
  private traced(round: QuorumRound, trace: TraceContext | undefined): TraceContext | undefined {
    round.span = roundSpan(trace, round.reqId)
    if (round.span === undefined) return undefined
    return { traceId: round.span.traceId, spanId: round.span.spanId!, sampled: true }
  }

  localRead(out: Outbox): Versioned | undefined {
    if (!this.isReplica || !this.leasing || this.recovery !== undefined) return undefined
    const nowMs = this.ids.nowMs()
    if (this.grantor !== undefined && !this.grantor.mayReadOwnCopy(out)) return undefined
    if (this.lease?.due(nowMs) === true) {
      const reqId = this.ids.nextReqId()
      this.lease.requested(reqId, nowMs)
      out.sends.push({
        from: this.self,
        to: this.writerNode,
        message: { type: 'lease-request', reqId, token: this.token, ts: this.state.ts },
      })
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

  /** For status, at `nowMs` (the clock now, past the last step): the readers that may hold a lease, and until when. */
  leaseHoldersAt(nowMs: number): ReadonlyMap<NodeId, number> | undefined {
    return this.grantor?.table.holders(nowMs)
  }

  /** For status: how long this reader's lease still holds at `nowMs`; undefined when it holds none (or is the writer). */
  leaseRemainingMs(nowMs: number): number | undefined {
    return this.lease?.remainingMs(nowMs)
  }

  writerCommitted(ts: Timestamp, out: Outbox): void {
    this.noteCommitted(ts)
    if (this.grantor === undefined) return
    for (const to of this.grantor.table.grantees(this.ids.nowMs())) {
      out.sends.push({ from: this.self, to, message: { type: 'commit', reqId: 0, token: this.token, ts } })
    }
  }

  /** Drops every read lease this reader holds (its clock may have stalled: see RegisterNode's suspend input). */
  dropLease(): void {
    this.lease?.drop()
  }

  private makeGrantor(readers: readonly NodeId[]): LeaseGrantor {
    return new LeaseGrantor(
      {
        token: this.token,
        self: this.self,
        replicas: this.replicas,
        readers,
        writeQuorum: this.writeQuorum,
        epoch: () => this.epoch,
        recovering: () => this.recovery !== undefined,
        state: () => this.state,
        lastTs: () => this.writer?.lastTs,
        committed: () => this.committedTs,
        nowMs: this.ids.nowMs,
        startedMs: this.ids.startedMs,
        nextReqId: this.ids.nextReqId,
        broadcast: (message, out) => this.broadcast(message, out),
      },
      this.leases,
    )
  }

  private broadcast(message: ReplicaMessage, out: Outbox, into: Envelope[] = out.sends): void {
    for (const to of this.replicas) if (to !== this.self) into.push({ from: this.self, to, message })
  }

  private makeRecovery(timing: RecoveryTiming): ReplicaRecovery {
    return new ReplicaRecovery(
      {
        token: this.token,
        self: this.self,
        replicas: this.replicas,
        writeQuorum: this.writeQuorum,
        nowMs: this.ids.nowMs,
        startedMs: this.ids.startedMs,
        nextReqId: this.ids.nextReqId,
        wakeAt: this.ids.wakeAt,
        broadcast: (message, out) => this.broadcast(message, out),
      },
      timing,
    )
  }

  /** Ends recovery when its rule allows: the newest state heard becomes this replica's copy. */
  private tryRecover(out: Outbox): void {
    const outcome = this.recovery?.outcome(this.state)
    if (outcome === undefined) return
    this.recovery = undefined
    assert(
      compareTimestamps(outcome.state.ts, this.state.ts) >= 0,
      `token ${this.token}: recovery moved the copy backwards`,
    )
    this.state = outcome.state
    this.genesis = outcome.genesis
    // Persisted even when unchanged: a durable copy on disk is what tells a restart that this token recovered.
    out.persists.push({ token: this.token, ts: this.state.ts, value: this.state.value })
    const held = this.held
    this.held = []
    for (const request of held) this.serve(request.from, request.message, request.inc, out)
    // Rounds this node started while recovering did not count its own copy; now they do.
    this.writer?.recovered(out)
    this.reader?.recovered(out)
  }

  joinRecovered(round: QuorumRound, out: Outbox, stored?: Versioned): boolean {
    if (stored !== undefined) this.store(stored, out)
    round.accept({
      from: this.self,
      ts: this.state.ts,
      value: this.state.value,
      committed: this.committedTs,
      atMs: this.ids.nowMs(),
    })
    return round.complete
  }

  /**
   * An answer to this writer says a replica has seen a newer writer epoch than ours (another incarnation of this
   * node used it: a wall clock stepped back, a data dir restored from a copy). Move above it; a refused store is
   * sent again under the new epoch, a refused survey starts over.
   */
  private onFence(message: AnswerMessage, out: Outbox): void {
    const fence = message.fence!
    if (fence <= this.epoch) return
    this.epoch = epochAbove(fence, this.epoch)
    this.writer?.epochRaised(out)
    this.reader?.epochRaised(out)
    this.grantor?.epochRaised()
  }

  private serve(
    from: NodeId,
    message: ReplicaMessage & { type: 'query' | 'store' },
    inc: number | undefined,
    out: Outbox,
  ): void {
    if (!this.isReplica) return
    if (this.recovery !== undefined && !(message.type === 'query' && message.recover === true)) {
      this.recovery.poll(out, true)
      // Answered once recovered, so the asking round completes then instead of waiting for its deadline.
      if (this.held.length < MAX_HELD_REQUESTS) {
        // A round's resend of a request already held adds nothing: the held one is answered once recovered.
        if (this.held.some((h) => h.from === from && h.inc === inc && h.message.reqId === message.reqId)) return
        this.held.push({ from, message, inc })
        if (message.trace?.sampled === true) this.served(message, 'held', 'recovering its state: answers later', out)
        return
      }
    }
    const answer = this.answerFields(from, inc)
    if (message.writerEpoch !== undefined && from === this.writerNode) {
      if (message.writerEpoch < this.fence) {
        // Refused, and said so: a writer whose epoch went backwards must learn it, not wait in silence.
        out.sends.push(this.fencedAnswer(from, message, answer))
        if (message.trace?.sampled === true) this.served(message, 'fenced', `refused epoch below ${this.fence}`, out)
        return
      }
      this.fence = message.writerEpoch
    }
    let reply: Envelope
    if (message.type === 'query') {
      const known = message.known
      const same =
        this.recovery === undefined &&
        known !== undefined &&
        compareTimestamps(known.ts, this.state.ts) === 0 &&
        known.complete === isComplete(this.state.value)
      const committed = this.committedTs === ZERO_TIMESTAMP ? undefined : this.committedTs
      reply = {
        from: this.self,
        to: from,
        message: same
          ? { type: 'query-same', reqId: message.reqId, token: this.token, ...(committed && { committed }), ...answer }
          : {
              type: 'query-reply',
              reqId: message.reqId,
              token: this.token,
              ts: this.state.ts,
              value: this.state.value,
              ...(committed && { committed }),
              ...answer,
            },
      }
    } else {
      // A recovering copy takes nothing: an entry on disk must mean a recovered one (see restore).
      if (this.recovery === undefined) this.store({ ts: message.ts, value: message.value }, out)
      const holders =
        this.grantor === undefined ? undefined : [...(this.grantor.table.holders(this.ids.nowMs())?.keys() ?? [])]
      reply = {
        from: this.self,
        to: from,
        message: { type: 'store-ack', reqId: message.reqId, token: this.token, ...(holders && { holders }), ...answer },
      }
    }
    out.sends.push(reply)
    if (message.trace?.sampled === true) this.served(message, 'answered', this.servedDetail(message, reply), out)
  }

  /** This replica's part in a recorded round of another node: a child span of that round's. */
  private served(
    message: ReplicaMessage & { type: 'query' | 'store' },
    end: PhaseEnd,
    detail: string,
    out: Outbox,
  ): void {
    const trace = message.trace!
    out.phases.push({
      token: this.token,
      phase: 'serve',
      startMs: this.ids.nowMs(),
      durationMs: 0,
      end,
      span: { traceId: trace.traceId, parentSpanId: trace.spanId },
      detail: `${message.type}: ${detail}`,
    })
  }

  private servedDetail(message: ReplicaMessage & { type: 'query' | 'store' }, reply: Envelope): string {
    const held = `v${this.state.ts.seq}`
    if (reply.message.type === 'query-same') return `holds the asker's version (${held})`
    if (message.type === 'query') return `answered ${held}`
    return compareTimestamps(message.ts, this.state.ts) === 0 ? `stored v${message.ts.seq}` : `kept newer ${held}`
  }

  /** What every answer to `to` carries: the incarnation it answers, recovery, and our fence when `to` is the writer. */
  private answerFields(
    to: NodeId,
    inc: number | undefined,
  ): { re?: number; recovering?: true; fence?: bigint; fresh?: true } {
    const fields: { re?: number; recovering?: true; fence?: bigint; fresh?: true } = {}
    if (inc !== undefined) fields.re = inc
    if (this.recovery !== undefined) fields.recovering = true
    else if (inc !== undefined && this.genesis?.get(to) === inc) fields.fresh = true
    if (to === this.writerNode && this.fence > 0n) fields.fence = this.fence
    return fields
  }

  private fencedAnswer(to: NodeId, message: ReplicaMessage & { type: 'query' | 'store' }, answer: object): Envelope {
    const fields = { reqId: message.reqId, token: this.token, fenced: true, fence: this.fence, ...answer }
    return {
      from: this.self,
      to,
      message:
        message.type === 'store'
          ? { type: 'store-ack', ...fields }
          : { type: 'query-reply', ts: this.state.ts, value: this.state.value, ...fields },
    }
  }

  private store(incoming: Versioned, out: Outbox): void {
    const next = applyStore(this.state, incoming)
    if (next === undefined) return
    // A replica only moves forward: a copy that went back could let a later read return an older value.
    assert(compareTimestamps(next.ts, this.state.ts) >= 0, `token ${this.token}: store moved the copy backwards`)
    this.state = next
    out.persists.push({ token: this.token, ts: next.ts, value: next.value })
  }
}
