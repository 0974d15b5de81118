import assert from 'node:assert'
import {
  AlreadyExistsError,
  CancelledError,
  DeadlineExceededError,
  NotFoundError,
  OverloadedError,
  type TokenManagerError,
  UnavailableError,
} from '../errors.js'
import type { Argmin } from '../token/argmin.js'
import { ABSENT, EMPTY, type RegisterValue, writtenToken } from '../token/token-value.js'
import { UINT64_MAX } from '../uint64.js'
import type { NodeId } from './messages.js'
import type { ClientOp, OpResult } from './operations.js'
import type { Outbox, PhaseEnd } from './outbox.js'
import type { QuorumRound } from './quorum-round.js'
import { newest, type Versioned } from './replica-state.js'
import { compareTimestamps, type Timestamp } from './timestamp.js'
import type { TokenContext } from './token-context.js'
import { leafSpan, type TraceContext } from './trace-context.js'

type WriterOp = Exclude<ClientOp, { type: 'read' }>

interface PendingWrite {
  readonly opId: number
  readonly op: WriterOp
  readonly deadlineMs: number
  /** Set when the operation is recorded: its phases become spans. */
  readonly trace?: TraceContext | undefined
}

type Phase =
  | { readonly name: 'learn'; readonly round: QuorumRound }
  | { readonly name: 'hash'; readonly jobId: number; readonly startedMs: number }
  | {
      readonly name: 'store'
      readonly round: QuorumRound
      readonly state: Versioned
      readonly refusal?: TokenManagerError
    }

/**
 * The writer side of one token: writes, creates and drops run one at a time in arrival order (so timestamps
 * are assigned in order and preconditions see every earlier write), each bounded by its deadline. A store
 * completes on a write quorum that includes every read-lease holder (or outlives its lease): then it is committed.
 * After start the first operation learns the highest timestamp from a read quorum before assigning one.
 */
export class WriterPipeline {
  private readonly queue: PendingWrite[] = []
  private active: { readonly write: PendingWrite; phase: Phase } | undefined
  /** The last state this writer assigned (or learned); undefined until learned. */
  private last: Versioned | undefined
  /**
   * Whether a write quorum is known to hold `last`. Not after learning it (an orphaned write may sit on a minority)
   * nor after a write that timed out; a refusal based on `last` must first impose it (see begin).
   */
  private lastAtQuorum = false

  constructor(
    private readonly ctx: TokenContext,
    /** The token's writer epoch now: it rises when a replica fences an older one (see TokenRegister.onFence). */
    private readonly epoch: () => bigint,
    private readonly maxQueued: number,
  ) {}

  submit(write: PendingWrite, out: Outbox): void {
    if (this.queue.length >= this.maxQueued) {
      out.completions.push({
        opId: write.opId,
        ok: false,
        error: new OverloadedError(`token ${this.ctx.token}: ${this.maxQueued} writes already queued at the writer`),
      })
      return
    }
    this.queue.push(write)
    assert(this.queue.length <= this.maxQueued, `token ${this.ctx.token}: writer queue over its bound`)
    if (this.active === undefined) this.startNext(out)
  }

  /** Routes a reply to the active round; false if it belongs to none (late, duplicate or foreign). */
  onReply(reqId: number, accept: (round: QuorumRound) => boolean, out: Outbox): boolean {
    const phase = this.active?.phase
    if (phase === undefined || phase.name === 'hash' || phase.round.reqId !== reqId) return false
    if (accept(phase.round) && phase.round.complete) this.roundDone(out)
    return true
  }

  onHashed(jobId: number, partial: Argmin | undefined, out: Outbox): boolean {
    const active = this.active
    if (active?.phase.name !== 'hash' || active.phase.jobId !== jobId) return false
    assert(active.write.op.type === 'write')
    this.phaseEnded(active.write, active.phase, 'hashed', out)
    this.store({ kind: 'token', token: writtenToken(active.write.op, partial) }, out)
    return true
  }

  onHashFailed(jobId: number, reason: string, out: Outbox): boolean {
    const active = this.active
    if (active?.phase.name !== 'hash' || active.phase.jobId !== jobId) return false
    this.active = undefined
    this.phaseEnded(active.write, active.phase, 'failed', out)
    out.completions.push({
      opId: active.write.opId,
      ok: false,
      error: new UnavailableError(`token ${this.ctx.token}: hashing failed (${reason}); the write did not take effect`),
    })
    this.startNext(out)
    return true
  }

  /**
   * Drops a cancelled operation that has not been sent to the replicas (queued, learning or hashing). Once its
   * store is out it may take effect, so it runs on to its quorum or deadline like any other.
   */
  cancel(opId: number, out: Outbox): boolean {
    const queued = this.queue.findIndex((w) => w.opId === opId)
    if (queued >= 0) {
      this.queue.splice(queued, 1)
    } else {
      const active = this.active
      if (active === undefined || active.write.opId !== opId) return false
      if (active.phase.name === 'store') return true
      this.phaseEnded(active.write, active.phase, 'cancelled', out)
      this.abandonPhase(active.phase, out)
      this.active = undefined
    }
    out.completions.push({
      opId,
      ok: false,
      error: new CancelledError(`token ${this.ctx.token}: cancelled by the caller`),
    })
    this.startNext(out)
    return true
  }

  expire(nowMs: number, out: Outbox): void {
    // A store waiting for a silent lease holder completes when that lease ends.
    if (this.active?.phase.name === 'store' && this.active.phase.round.complete) this.roundDone(out)
    if (this.active !== undefined && this.active.write.deadlineMs <= nowMs) {
      const { write, phase } = this.active
      this.phaseEnded(write, phase, 'deadline', out)
      this.abandonPhase(phase, out)
      this.active = undefined
      out.completions.push({
        opId: write.opId,
        ok: false,
        error: new DeadlineExceededError(
          phase.name === 'store'
            ? `token ${this.ctx.token}: no write quorum before the deadline; the ${write.op.type} may or may not take effect`
            : `token ${this.ctx.token}: deadline passed before the ${write.op.type} was sent (${phase.name} phase)${this.ctx.recoveryNote()}`,
        ),
      })
    }
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const queued = this.queue[i]!
      if (queued.deadlineMs > nowMs) continue
      this.queue.splice(i, 1)
      out.completions.push({
        opId: queued.opId,
        ok: false,
        error: new DeadlineExceededError(`token ${this.ctx.token}: deadline passed while queued at the writer`),
      })
    }
    if (this.active === undefined) this.startNext(out)
  }

  nextDeadlineMs(): number | undefined {
    let next = this.active?.write.deadlineMs
    for (const queued of this.queue) if (next === undefined || queued.deadlineMs < next) next = queued.deadlineMs
    return next
  }

  /** Whether `round` is this writer's open round (the active learn or store). */
  isOpen(round: QuorumRound): boolean {
    const phase = this.active?.phase
    return phase !== undefined && phase.name !== 'hash' && phase.round === round
  }

  /** `peer` restarted: its answers to the active round no longer count (its new incarnation may lack the state). */
  forget(peer: NodeId): void {
    const phase = this.active?.phase
    if (phase !== undefined && phase.name !== 'hash') phase.round.forget(peer)
  }

  /**
   * The epoch rose because replicas refused our stores: send the active store again under it. A write's own value
   * moves to the same seq with the new epoch, which outranks the refused copies wherever they landed; an impose of
   * an earlier value keeps its timestamp.
   */
  epochRaised(out: Outbox): void {
    const active = this.active
    if (active?.phase.name !== 'store') return
    const phase = active.phase
    const own = phase.refusal === undefined && phase.state === this.last
    const state: Versioned = own
      ? { ts: { seq: phase.state.ts.seq, epoch: this.epoch() }, value: phase.state.value }
      : phase.state
    if (own) this.last = state
    this.phaseEnded(active.write, phase, 'superseded', out)
    const round = this.ctx.startStore(this.ctx.writeQuorum, state, out, this.ctx.leaseHolders(), active.write)
    active.phase = { name: 'store', round, state, ...(phase.refusal && { refusal: phase.refusal }) }
    if (round.complete) this.roundDone(out)
  }

  /** This node's replica recovered: the active round counts its copy now. */
  recovered(out: Outbox): void {
    const phase = this.active?.phase
    if (phase === undefined || phase.name === 'hash') return
    const stored = phase.name === 'store' ? phase.state : undefined
    if (this.ctx.joinRecovered(phase.round, out, stored)) this.roundDone(out)
  }

  /** Crash-stop: drops everything without completing it. */
  abandon(out: Outbox): void {
    if (this.active !== undefined) this.abandonPhase(this.active.phase, out)
    this.active = undefined
    this.queue.length = 0
  }

  get pendingCount(): number {
    return this.queue.length + (this.active === undefined ? 0 : 1)
  }

  /** The newest version this writer assigned or learned: no lease goes to a reader lacking it. */
  get lastTs(): Timestamp | undefined {
    return this.last?.ts
  }

  /** A recorded operation's phase ended other than by its quorum: its span ends too (nothing when not recorded). */
  private phaseEnded(write: PendingWrite, phase: Phase, end: PhaseEnd, out: Outbox): void {
    if (write.trace === undefined) return
    if (phase.name !== 'hash')
      return this.ctx.roundEnded(phase.round, phase.name === 'learn' ? 'learn' : 'write', end, out)
    if (phase.jobId < 0 || write.op.type !== 'write') return
    const nowMs = this.ctx.nowMs()
    out.phases.push({
      token: this.ctx.token,
      phase: 'hash',
      startMs: phase.startedMs,
      durationMs: nowMs - phase.startedMs,
      end,
      span: leafSpan(write.trace),
      detail: `argmin over [${write.op.low}, ${write.op.mid}): ${write.op.mid - write.op.low} values`,
    })
  }

  private abandonPhase(phase: Phase, out: Outbox): void {
    if (phase.name === 'hash') out.hashCancels.push(phase.jobId)
  }

  private startNext(out: Outbox): void {
    while (this.active === undefined && this.queue.length > 0) {
      const write = this.queue.shift()!
      if (this.last === undefined) {
        const round = this.ctx.startQuery(this.ctx.readQuorum, out, write)
        this.active = { write, phase: { name: 'learn', round } }
        if (round.complete) this.roundDone(out)
      } else {
        this.active = { write, phase: { name: 'hash', jobId: -1, startedMs: this.ctx.nowMs() } }
        this.begin(out)
      }
    }
  }

  private roundDone(out: Outbox): void {
    const active = this.active!
    const phase = active.phase
    assert(phase.name !== 'hash')
    this.ctx.roundDone(phase.round, phase.name === 'learn' ? 'learn' : 'write', out)
    if (phase.name === 'learn') {
      this.last = phase.round.replies.reduce<Versioned>((best, reply) => newest(best, reply), phase.round.replies[0]!)
      this.lastAtQuorum = false
      this.begin(out)
      return
    }
    this.active = undefined
    if (phase.state === this.last) this.lastAtQuorum = true
    this.ctx.writerCommitted(phase.state.ts, out)
    if (phase.refusal !== undefined) out.completions.push({ opId: active.write.opId, ok: false, error: phase.refusal })
    else out.completions.push({ opId: active.write.opId, ok: true, result: resultOf(active.write.op, phase.state) })
    this.startNext(out)
  }

  /**
   * Checks the precondition against the last state, then hashes (writes) or stores directly. A refusal reveals
   * `last` to the client (a read, in effect), so, like a read, it first imposes `last` on a write quorum unless one
   * is known to hold it: else a drop that timed out on a minority could be seen by this refusal and then missed by
   * a later read (not linearizable).
   */
  private begin(out: Outbox): void {
    const active = this.active!
    const op = active.write.op
    const failure =
      this.last!.ts.seq >= UINT64_MAX
        ? new OverloadedError(`token ${this.ctx.token}: no version left after ${UINT64_MAX}`)
        : preconditionFailure(op, this.last!.value, this.ctx.token)
    if (failure !== undefined && !this.lastAtQuorum) {
      const state = this.last!
      const round = this.ctx.startStore(this.ctx.writeQuorum, state, out, this.ctx.leaseHolders(), active.write)
      active.phase = { name: 'store', round, state, refusal: failure }
      if (round.complete) this.roundDone(out)
      return
    }
    if (failure !== undefined) {
      this.active = undefined
      out.completions.push({ opId: active.write.opId, ok: false, error: failure })
      this.startNext(out)
      return
    }
    if (op.type === 'create') return this.store(EMPTY, out)
    if (op.type === 'drop') return this.store(ABSENT, out)
    if (op.low === op.mid) return this.store({ kind: 'token', token: writtenToken(op, undefined) }, out)
    const jobId = this.ctx.nextJobId()
    active.phase = { name: 'hash', jobId, startedMs: this.ctx.nowMs() }
    out.hashJobs.push({ jobId, token: this.ctx.token, name: op.name, low: op.low, high: op.mid })
  }

  private store(value: RegisterValue, out: Outbox): void {
    const active = this.active!
    const ts: Timestamp = { seq: this.last!.ts.seq + 1n, epoch: this.epoch() }
    // Versions are never reused: two writes with one timestamp would let replicas keep different values for it.
    assert(
      compareTimestamps(ts, this.last!.ts) > 0,
      `token ${this.ctx.token}: version ${ts.seq} does not follow ${this.last!.ts.seq}`,
    )
    // From here on the write may take effect: later writes are decided as if it did.
    const state: Versioned = { ts, value }
    this.last = state
    this.lastAtQuorum = false
    const round = this.ctx.startStore(this.ctx.writeQuorum, state, out, this.ctx.leaseHolders(), active.write)
    active.phase = { name: 'store', round, state }
    if (round.complete) this.roundDone(out)
  }
}

function preconditionFailure(op: WriterOp, current: RegisterValue, token: string): TokenManagerError | undefined {
  if (op.type === 'create') {
    return current.kind === 'absent' ? undefined : new AlreadyExistsError(`token ${token} already exists`)
  }
  return current.kind === 'absent' ? new NotFoundError(`token ${token} was dropped`) : undefined
}

function resultOf(op: WriterOp, state: Versioned): OpResult {
  if (op.type !== 'write') return { type: op.type, ts: state.ts }
  assert(state.value.kind === 'token')
  return { type: 'write', ts: state.ts, token: state.value.token }
}
