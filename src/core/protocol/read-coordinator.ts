import { CancelledError, DeadlineExceededError, NotFoundError, OverloadedError, UnavailableError } from '../errors.js'
import type { Argmin } from '../token/argmin.js'
import { isComplete, withFinal } from '../token/token-value.js'
import type { NodeId } from './messages.js'
import type { Completion } from './operations.js'
import type { Outbox, PhaseEnd } from './outbox.js'
import type { QuorumRound } from './quorum-round.js'
import { newest, type Versioned } from './replica-state.js'
import { compareTimestamps, timestampKey } from './timestamp.js'
import type { TokenContext } from './token-context.js'
import { leafSpan, type TraceContext } from './trace-context.js'

type Phase =
  | { readonly name: 'query'; readonly round: QuorumRound }
  /** `safe`: no lease holder can lack the version (known committed, or no leases), so a write quorum suffices. */
  | {
      readonly name: 'final'
      readonly key: string
      readonly best: Versioned
      readonly safe: boolean
      readonly startedMs: number
    }
  | { readonly name: 'impose'; readonly round: QuorumRound; readonly state: Versioned }
  /** Waiting on the token's shared write-back of a version nobody knows committed (see CommitWait). */
  | { readonly name: 'commit-wait'; readonly key: string }

interface ActiveRead {
  readonly opId: number
  readonly deadlineMs: number
  phase: Phase
  /** Set when the read is recorded: its phases become spans. */
  readonly trace: TraceContext | undefined
}

/** One hash job computing the final of one (timestamp, value), shared by every read that needs it. */
interface FinalJob {
  readonly jobId: number
  readonly waiting: Set<ActiveRead>
}

/**
 * The write-back of one version nobody reported committed, on every replica, waiting for lease holders (each at
 * most until its lease surely ended). It belongs to the token and version, not to the read that started it: it
 * runs on when that read gives up (a client deadline shorter than a lease would otherwise restart the wait forever)
 * and later reads of the same version join it.
 */
interface CommitWait {
  round: QuorumRound
  readonly state: Versioned
  readonly waiting: Set<ActiveRead>
  /** Dropped after this when nobody waits and it has not completed (no write quorum answers): bounded. */
  readonly expiresMs: number
  /** The read that started it, when recorded: a round started again under a new epoch is its phase too. */
  readonly trace: TraceContext | undefined
}

/** Bound on write-backs kept at once (one per version that is not known committed; usually none or one). */
const MAX_COMMIT_WAITS = 16

/**
 * The reader side of one token (read-impose, §4.3 / ABD): query every replica, take the newest value of a read
 * quorum, compute its final if missing, write it back to a write quorum unless a write quorum already holds it
 * complete, then return. Reads run concurrently; each is bounded by its deadline.
 *
 * With read leases a read is answered from the local copy when the node holds a lease and its version is
 * committed (TokenContext.localRead). A quorum read that returns a version nobody reported committed first makes
 * sure every lease holder has it: it imposes it on every replica, waiting for each one at most a lease's time.
 */
export class ReadCoordinator {
  private readonly reads = new Map<number, ActiveRead>()
  private readonly byReqId = new Map<number, ActiveRead>()
  private readonly finalJobs = new Map<string, FinalJob>()
  private readonly jobKeys = new Map<number, string>()
  private readonly commitWaits = new Map<string, CommitWait>()
  private readonly commitWaitByReqId = new Map<number, string>()

  constructor(
    private readonly ctx: TokenContext,
    private readonly maxReads: number,
    /** The behaviour before waits were shared: each read waits alone and its wait ends with it (broken variant). */
    private readonly perReadWait = false,
  ) {}

  submit(opId: number, deadlineMs: number, out: Outbox, trace?: TraceContext): void {
    if (this.reads.size >= this.maxReads) {
      out.completions.push({
        opId,
        ok: false,
        error: new OverloadedError(`token ${this.ctx.token}: ${this.maxReads} reads already in progress on this node`),
      })
      return
    }
    const local = this.ctx.localRead(out)
    if (local !== undefined) {
      this.instant('local', 'lease-held', trace, out, local)
      out.completions.push(completionOf(opId, local, this.ctx.token))
      return
    }
    if (trace !== undefined && this.ctx.leasing) this.instant('lease', 'no-lease', trace, out)
    const round = this.ctx.startQuery(this.ctx.readQuorum, out, { trace, deadlineMs })
    const read: ActiveRead = { opId, deadlineMs, phase: { name: 'query', round }, trace }
    this.reads.set(opId, read)
    this.byReqId.set(round.reqId, read)
    if (round.complete) this.roundDone(read, out)
  }

  onReply(reqId: number, accept: (round: QuorumRound) => boolean, out: Outbox): boolean {
    const waitKey = this.commitWaitByReqId.get(reqId)
    if (waitKey !== undefined) {
      const wait = this.commitWaits.get(waitKey)!
      if (accept(wait.round) && wait.round.complete) this.commitWaitDone(waitKey, out)
      return true
    }
    const read = this.byReqId.get(reqId)
    if (read === undefined || read.phase.name === 'final' || read.phase.name === 'commit-wait') return false
    if (accept(read.phase.round) && read.phase.round.complete) this.roundDone(read, out)
    return true
  }

  onHashed(jobId: number, upper: Argmin | undefined, out: Outbox): boolean {
    const { key, job } = this.takeJob(jobId) ?? {}
    if (job === undefined) return false
    for (const read of job.waiting) {
      if (read.phase.name !== 'final' || read.phase.key !== key) continue
      const best = read.phase.best
      if (best.value.kind !== 'token') continue
      this.finalEnded(read, 'hashed', out)
      const state = { ts: best.ts, value: { kind: 'token', token: withFinal(best.value.token, upper) } } as const
      this.impose(read, state, read.phase.safe, out)
    }
    return true
  }

  /** The final's hash job failed: every read waiting for it fails now, and the next read starts a new job. */
  onHashFailed(jobId: number, reason: string, out: Outbox): boolean {
    const job = this.takeJob(jobId)?.job
    if (job === undefined) return false
    for (const read of job.waiting) {
      this.finalEnded(read, 'failed', out)
      this.finish(read)
      out.completions.push({
        opId: read.opId,
        ok: false,
        error: new UnavailableError(`token ${this.ctx.token}: computing the final failed (${reason})`),
      })
    }
    return true
  }

  /** The caller left: the read stops, and its final's hash job too when no other read waits for it. */
  cancel(opId: number, out: Outbox): boolean {
    const read = this.reads.get(opId)
    if (read === undefined) return false
    this.phaseEnded(read, 'cancelled', out)
    this.finish(read)
    this.releaseFinal(read, out)
    out.completions.push({
      opId,
      ok: false,
      error: new CancelledError(`token ${this.ctx.token}: cancelled by the caller`),
    })
    return true
  }

  expire(nowMs: number, out: Outbox): void {
    for (const [key, wait] of this.commitWaits) {
      // A write-back waiting for lease holders completes when their leases end.
      if (wait.round.complete) this.commitWaitDone(key, out)
      else if (wait.waiting.size === 0 && wait.expiresMs <= nowMs) this.dropCommitWait(key)
    }
    for (const read of this.reads.values()) {
      // A write-back waiting for lease holders completes when their leases end.
      if (read.phase.name === 'impose' && read.phase.round.complete) {
        this.roundDone(read, out)
        continue
      }
      if (read.deadlineMs > nowMs) continue
      this.phaseEnded(read, 'deadline', out)
      this.finish(read)
      out.completions.push({
        opId: read.opId,
        ok: false,
        error: new DeadlineExceededError(
          `token ${this.ctx.token}: no quorum answered the read (${read.phase.name} phase) before the deadline${this.ctx.recoveryNote()}`,
        ),
      })
      this.releaseFinal(read, out)
    }
  }

  /** Whether `round` is open here: a read's query or impose, or a shared write-back. */
  isOpen(round: QuorumRound): boolean {
    const phase = this.byReqId.get(round.reqId)?.phase
    if ((phase?.name === 'query' || phase?.name === 'impose') && phase.round === round) return true
    const waitKey = this.commitWaitByReqId.get(round.reqId)
    return waitKey !== undefined && this.commitWaits.get(waitKey)?.round === round
  }

  /** `peer` restarted: its answers leave every open round (its new incarnation may lack what it acknowledged). */
  forget(peer: NodeId): void {
    for (const read of this.reads.values()) {
      if (read.phase.name === 'query' || read.phase.name === 'impose') read.phase.round.forget(peer)
    }
    for (const wait of this.commitWaits.values()) wait.round.forget(peer)
  }

  /** This node's replica recovered: the open rounds count its copy now. */
  recovered(out: Outbox): void {
    for (const [key, wait] of [...this.commitWaits]) {
      if (this.ctx.joinRecovered(wait.round, out, wait.state)) this.commitWaitDone(key, out)
    }
    for (const read of [...this.reads.values()]) {
      const phase = read.phase
      if (phase.name !== 'query' && phase.name !== 'impose') continue
      if (this.ctx.joinRecovered(phase.round, out, phase.name === 'impose' ? phase.state : undefined))
        this.roundDone(read, out)
    }
  }

  /**
   * This node is the token's writer too, and a replica fenced its old epoch (see TokenRegister.onFence). Write-backs
   * carry the writer's epoch from this node, so the fenced replicas refuse the ones in flight, resends included:
   * each starts again under the new epoch, as the writer's own store does. Otherwise a write-back that needs a
   * fenced replica waits for its read's deadline.
   */
  epochRaised(out: Outbox): void {
    for (const [key, wait] of [...this.commitWaits]) {
      this.ctx.roundEnded(wait.round, 'impose', 'superseded', out)
      this.commitWaitByReqId.delete(wait.round.reqId)
      wait.round = this.ctx.startStore(this.ctx.writeQuorum, wait.state, out, this.ctx.writeBackMust(), wait)
      this.commitWaitByReqId.set(wait.round.reqId, key)
      if (wait.round.complete) this.commitWaitDone(key, out)
    }
    for (const read of [...this.reads.values()]) {
      const phase = read.phase
      if (phase.name !== 'impose') continue
      this.phaseEnded(read, 'superseded', out)
      this.byReqId.delete(phase.round.reqId)
      this.impose(read, phase.state, true, out)
    }
  }

  abandon(out: Outbox): void {
    for (const job of this.finalJobs.values()) out.hashCancels.push(job.jobId)
    this.commitWaits.clear()
    this.commitWaitByReqId.clear()
    this.reads.clear()
    this.byReqId.clear()
    this.finalJobs.clear()
    this.jobKeys.clear()
  }

  get pendingCount(): number {
    return this.reads.size
  }

  private roundDone(read: ActiveRead, out: Outbox): void {
    const phase = read.phase
    if (phase.name === 'final' || phase.name === 'commit-wait') return
    this.ctx.roundDone(phase.round, phase.name, out)
    this.byReqId.delete(phase.round.reqId)
    if (phase.name === 'impose') return this.succeed(read, phase.state, out)
    const replies = phase.round.replies
    const best = replies.reduce<Versioned>((a, b) => newest(a, b), replies[0]!)
    for (const reply of replies) if (reply.committed !== undefined) this.ctx.noteCommitted(reply.committed)
    const safe = !this.ctx.leasing || compareTimestamps(best.ts, this.ctx.committed) <= 0
    if (best.value.kind === 'token' && best.value.token.final === undefined)
      return this.awaitFinal(read, best, safe, out)
    // One round trip suffices when a write quorum already holds the newest value complete.
    const holders = replies.filter((r) => compareTimestamps(r.ts, best.ts) === 0 && isComplete(r.value)).length
    if (holders >= this.ctx.writeQuorum && safe) return this.succeed(read, best, out)
    this.impose(read, best, safe, out)
  }

  private awaitFinal(read: ActiveRead, best: Versioned, safe: boolean, out: Outbox): void {
    const key = timestampKey(best.ts)
    read.phase = { name: 'final', key, best, safe, startedMs: this.ctx.nowMs() }
    let job = this.finalJobs.get(key)
    if (job === undefined) {
      job = { jobId: this.ctx.nextJobId(), waiting: new Set() }
      this.finalJobs.set(key, job)
      this.jobKeys.set(job.jobId, key)
      if (best.value.kind === 'token') {
        const token = best.value.token
        out.hashJobs.push({
          jobId: job.jobId,
          token: this.ctx.token,
          name: token.name,
          low: token.mid,
          high: token.high,
        })
      }
    }
    job.waiting.add(read)
  }

  private impose(read: ActiveRead, state: Versioned, safe: boolean, out: Outbox): void {
    if (!safe) return this.joinCommitWait(read, state, out)
    const round = this.ctx.startStore(this.ctx.writeQuorum, state, out, undefined, read)
    read.phase = { name: 'impose', round, state }
    this.byReqId.set(round.reqId, read)
    if (round.complete) this.roundDone(read, out)
  }

  /** Joins the token's write-back of `state`, starting it when none runs for that version. */
  private joinCommitWait(read: ActiveRead, state: Versioned, out: Outbox): void {
    const key = this.perReadWait ? `${timestampKey(state.ts)}#${read.opId}` : timestampKey(state.ts)
    // Reads impose complete values only (the final computed first), so one timestamp means one state to join.
    const wait = this.commitWaits.get(key) ?? this.startCommitWait(key, state, out, read.trace)
    read.phase = { name: 'commit-wait', key }
    wait.waiting.add(read)
    if (wait.round.complete) this.commitWaitDone(key, out)
  }

  /** `trace`: the read that starts it, when recorded: the write-back is a phase of that read (others only wait). */
  private startCommitWait(key: string, state: Versioned, out: Outbox, trace: TraceContext | undefined): CommitWait {
    if (this.commitWaits.size >= MAX_COMMIT_WAITS) this.evictIdleCommitWait()
    const nowMs = this.ctx.nowMs()
    const must = this.ctx.writeBackMust()
    let untilMs = nowMs
    for (const endMs of must.values()) untilMs = Math.max(untilMs, endMs)
    const round = this.ctx.startStore(this.ctx.writeQuorum, state, out, must, { trace })
    // Two lease spans: the holders' part ends after one; a write quorum that has not answered by the second is gone.
    const wait: CommitWait = { round, state, waiting: new Set(), expiresMs: untilMs + (untilMs - nowMs), trace }
    this.commitWaits.set(key, wait)
    this.commitWaitByReqId.set(round.reqId, key)
    return wait
  }

  private commitWaitDone(key: string, out: Outbox): void {
    const wait = this.commitWaits.get(key)!
    this.ctx.roundDone(wait.round, 'impose', out)
    this.dropCommitWait(key)
    this.ctx.noteCommitted(wait.state.ts)
    for (const read of wait.waiting) {
      this.reads.delete(read.opId)
      out.completions.push(completionOf(read.opId, wait.state, this.ctx.token))
    }
  }

  private dropCommitWait(key: string): void {
    const wait = this.commitWaits.get(key)
    if (wait === undefined) return
    this.commitWaits.delete(key)
    this.commitWaitByReqId.delete(wait.round.reqId)
  }

  /** Over the bound: the oldest write-back nobody waits for goes (a later read starts it again if needed). */
  private evictIdleCommitWait(): void {
    for (const [key, wait] of this.commitWaits) {
      if (wait.waiting.size > 0) continue
      this.dropCommitWait(key)
      return
    }
  }

  /** A phase without a round of a recorded read (a local answer, no lease to answer with): an instant span. */
  private instant(
    phase: 'local' | 'lease',
    end: PhaseEnd,
    trace: TraceContext | undefined,
    out: Outbox,
    state?: Versioned,
  ): void {
    // Metrics count every local read, as before traces; a lease miss is reported for recorded reads only.
    out.phases.push({
      token: this.ctx.token,
      phase,
      startMs: this.ctx.nowMs(),
      durationMs: 0,
      end,
      span: leafSpan(trace),
      // Built for recorded reads only: local reads are the cheapest operation there is.
      detail: trace === undefined ? undefined : instantDetail(state),
    })
  }

  /** A recorded read's current phase ended other than by its quorum. */
  private phaseEnded(read: ActiveRead, end: PhaseEnd, out: Outbox): void {
    if (read.trace === undefined) return
    const phase = read.phase
    if (phase.name === 'final') return this.finalEnded(read, end, out)
    if (phase.name === 'query' || phase.name === 'impose') this.ctx.roundEnded(phase.round, phase.name, end, out)
  }

  /** The hash job computing a recorded read's final ended (or the read stopped waiting for it). */
  private finalEnded(read: ActiveRead, end: PhaseEnd, out: Outbox): void {
    if (read.trace === undefined || read.phase.name !== 'final') return
    const token = read.phase.best.value.kind === 'token' ? read.phase.best.value.token : undefined
    out.phases.push({
      token: this.ctx.token,
      phase: 'hash',
      startMs: read.phase.startedMs,
      durationMs: this.ctx.nowMs() - read.phase.startedMs,
      end,
      span: leafSpan(read.trace),
      detail:
        token === undefined ? 'final' : `final over [${token.mid}, ${token.high}): ${token.high - token.mid} values`,
    })
  }

  private succeed(read: ActiveRead, state: Versioned, out: Outbox): void {
    this.finish(read)
    // Every holder has it now (it was committed, or imposed on each holder or outlived its lease).
    this.ctx.noteCommitted(state.ts)
    out.completions.push(completionOf(read.opId, state, this.ctx.token))
  }

  private finish(read: ActiveRead): void {
    this.reads.delete(read.opId)
    const phase = read.phase
    if (phase.name === 'commit-wait') {
      this.commitWaits.get(phase.key)?.waiting.delete(read)
      if (this.perReadWait) this.dropCommitWait(phase.key)
    } else if (phase.name !== 'final') this.byReqId.delete(phase.round.reqId)
  }

  /** Removes a finished (or failed) final job from the books; undefined when it is not ours. */
  private takeJob(jobId: number): { key: string; job: FinalJob } | undefined {
    const key = this.jobKeys.get(jobId)
    if (key === undefined) return undefined
    const job = this.finalJobs.get(key)!
    this.jobKeys.delete(jobId)
    this.finalJobs.delete(key)
    return { key, job }
  }

  /** A read gave up waiting for a final: cancel the hash job when nobody else needs it. */
  private releaseFinal(read: ActiveRead, out: Outbox): void {
    if (read.phase.name !== 'final') return
    const job = this.finalJobs.get(read.phase.key)
    if (job === undefined) return
    job.waiting.delete(read)
    if (job.waiting.size > 0) return
    this.finalJobs.delete(read.phase.key)
    this.jobKeys.delete(job.jobId)
    out.hashCancels.push(job.jobId)
  }
}

function instantDetail(state: Versioned | undefined): string {
  if (state === undefined) return 'no read lease with a committed version here: asking a read quorum'
  return `answered v${state.ts.seq} from this replica's copy under its read lease`
}

function completionOf(opId: number, state: Versioned, token: string): Completion {
  return state.value.kind === 'absent'
    ? { opId, ok: false, error: new NotFoundError(`token ${token} was dropped`) }
    : { opId, ok: true, result: { type: 'read', ts: state.ts, value: state.value } }
}
