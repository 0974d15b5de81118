import { CancelledError, DeadlineExceededError, NotFoundError, OverloadedError, UnavailableError } from '../errors.js'
import type { Argmin } from '../token/argmin.js'
import { isComplete, withFinal } from '../token/token-value.js'
import type { Completion } from './operations.js'
import type { Outbox } from './outbox.js'
import type { QuorumRound } from './quorum-round.js'
import { newest, type Versioned } from './replica-state.js'
import { compareTimestamps, timestampKey } from './timestamp.js'
import type { TokenContext } from './token-context.js'

type Phase =
  | { readonly name: 'query'; readonly round: QuorumRound }
  /** `safe`: no lease holder can lack the version (known committed, or no leases), so a write quorum suffices. */
  | { readonly name: 'final'; readonly key: string; readonly best: Versioned; readonly safe: boolean }
  | { readonly name: 'impose'; readonly round: QuorumRound; readonly state: Versioned }

interface ActiveRead {
  readonly opId: number
  readonly deadlineMs: number
  phase: Phase
}

/** One hash job computing the final of one (timestamp, value), shared by every read that needs it. */
interface FinalJob {
  readonly jobId: number
  readonly waiting: Set<ActiveRead>
}

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

  constructor(private readonly ctx: TokenContext, private readonly maxReads: number) {}

  submit(opId: number, deadlineMs: number, out: Outbox): void {
    if (this.reads.size >= this.maxReads) {
      out.completions.push({ opId, ok: false, error: new OverloadedError(
        `token ${this.ctx.token}: ${this.maxReads} reads already in progress on this node`) })
      return
    }
    const local = this.ctx.localRead(out)
    if (local !== undefined) {
      out.rounds.push({ token: this.ctx.token, phase: 'local', durationMs: 0 })
      out.completions.push(completionOf(opId, local, this.ctx.token))
      return
    }
    const round = this.ctx.startQuery(this.ctx.readQuorum, out)
    const read: ActiveRead = { opId, deadlineMs, phase: { name: 'query', round } }
    this.reads.set(opId, read)
    this.byReqId.set(round.reqId, read)
    if (round.complete) this.roundDone(read, out)
  }

  onReply(reqId: number, accept: (round: QuorumRound) => boolean, out: Outbox): boolean {
    const read = this.byReqId.get(reqId)
    if (read === undefined || read.phase.name === 'final') return false
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
      this.finish(read)
      out.completions.push({ opId: read.opId, ok: false,
        error: new UnavailableError(`token ${this.ctx.token}: computing the final failed (${reason})`) })
    }
    return true
  }

  /** The caller left: the read stops, and its final's hash job too when no other read waits for it. */
  cancel(opId: number, out: Outbox): boolean {
    const read = this.reads.get(opId)
    if (read === undefined) return false
    this.finish(read)
    this.releaseFinal(read, out)
    out.completions.push({ opId, ok: false, error: new CancelledError(`token ${this.ctx.token}: cancelled by the caller`) })
    return true
  }

  expire(nowMs: number, out: Outbox): void {
    for (const read of this.reads.values()) {
      // A write-back waiting for lease holders completes when their leases end.
      if (read.phase.name === 'impose' && read.phase.round.complete) {
        this.roundDone(read, out)
        continue
      }
      if (read.deadlineMs > nowMs) continue
      this.finish(read)
      out.completions.push({ opId: read.opId, ok: false, error: new DeadlineExceededError(
        `token ${this.ctx.token}: no quorum answered the read (${read.phase.name} phase) before the deadline`) })
      this.releaseFinal(read, out)
    }
  }

  abandon(out: Outbox): void {
    for (const job of this.finalJobs.values()) out.hashCancels.push(job.jobId)
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
    if (phase.name === 'final') return
    this.ctx.roundDone(phase.round, phase.name, out)
    this.byReqId.delete(phase.round.reqId)
    if (phase.name === 'impose') return this.succeed(read, phase.state, out)
    const replies = phase.round.replies
    const best = replies.reduce<Versioned>((a, b) => newest(a, b), replies[0]!)
    for (const reply of replies) if (reply.committed !== undefined) this.ctx.noteCommitted(reply.committed)
    const safe = !this.ctx.leasing || compareTimestamps(best.ts, this.ctx.committed) <= 0
    if (best.value.kind === 'token' && best.value.token.final === undefined) return this.awaitFinal(read, best, safe, out)
    // One round trip suffices when a write quorum already holds the newest value complete.
    const holders = replies.filter((r) => compareTimestamps(r.ts, best.ts) === 0 && isComplete(r.value)).length
    if (holders >= this.ctx.writeQuorum && safe) return this.succeed(read, best, out)
    this.impose(read, best, safe, out)
  }

  private awaitFinal(read: ActiveRead, best: Versioned, safe: boolean, out: Outbox): void {
    const key = timestampKey(best.ts)
    read.phase = { name: 'final', key, best, safe }
    let job = this.finalJobs.get(key)
    if (job === undefined) {
      job = { jobId: this.ctx.nextJobId(), waiting: new Set() }
      this.finalJobs.set(key, job)
      this.jobKeys.set(job.jobId, key)
      if (best.value.kind === 'token') {
        const token = best.value.token
        out.hashJobs.push({ jobId: job.jobId, token: this.ctx.token, name: token.name, low: token.mid, high: token.high })
      }
    }
    job.waiting.add(read)
  }

  private impose(read: ActiveRead, state: Versioned, safe: boolean, out: Outbox): void {
    const round = this.ctx.startStore(this.ctx.writeQuorum, state, out, safe ? undefined : this.ctx.writeBackMust())
    read.phase = { name: 'impose', round, state }
    this.byReqId.set(round.reqId, read)
    if (round.complete) this.roundDone(read, out)
  }

  private succeed(read: ActiveRead, state: Versioned, out: Outbox): void {
    this.finish(read)
    // Every holder has it now (it was committed, or imposed on each holder or outlived its lease).
    this.ctx.noteCommitted(state.ts)
    out.completions.push(completionOf(read.opId, state, this.ctx.token))
  }

  private finish(read: ActiveRead): void {
    this.reads.delete(read.opId)
    if (read.phase.name !== 'final') this.byReqId.delete(read.phase.round.reqId)
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

function completionOf(opId: number, state: Versioned, token: string): Completion {
  return state.value.kind === 'absent'
    ? { opId, ok: false, error: new NotFoundError(`token ${token} was dropped`) }
    : { opId, ok: true, result: { type: 'read', ts: state.ts, value: state.value } }
}
