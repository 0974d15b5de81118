import { argminRange } from '../../src/core/hash/sha256-argmin.js'
import type { Envelope, NodeId } from '../../src/core/protocol/messages.js'
import type { ClientOp, Completion } from '../../src/core/protocol/operations.js'
import type { HashJob, Outbox, PhaseEvent } from '../../src/core/protocol/outbox.js'
import type { TraceContext } from '../../src/core/protocol/trace-context.js'
import type { LeaseTiming } from '../../src/core/protocol/read-lease.js'
import type { RecoveryTiming } from '../../src/core/protocol/replica-recovery.js'
import { RegisterNode } from '../../src/core/protocol/register-node.js'
import type { ResendTiming } from '../../src/core/protocol/quorum-round.js'
import { ReplicationScheme, type TokenScheme } from '../../src/core/scheme/replication-scheme.js'
import { MajorityQuorum } from '../../src/plugins/quorum/majority-quorum.js'
import type { QuorumStrategy } from '../../src/core/ports/quorum-strategy.js'

/**
 * A hand-driven network of RegisterNodes for step-by-step protocol tests (etcd raft style): messages wait in
 * `inflight` until the test delivers, drops or reorders them; hash jobs are answered in place.
 */
export class ManualNet {
  readonly nodes = new Map<NodeId, RegisterNode>()
  inflight: Envelope[] = []
  readonly completions = new Map<number, Completion>()
  nowMs = 0
  /** When true, hash jobs wait in `hashJobs` until the test finishes, fails or drops them. */
  holdHashes = false
  readonly hashJobs: { at: NodeId; job: HashJob }[] = []
  readonly hashCancels: number[] = []
  /** Every phase event each node reported, in order. */
  readonly phases: { at: NodeId; event: PhaseEvent }[] = []
  private opIds = 0

  private readonly scheme: ReplicationScheme

  constructor(
    entries: TokenScheme[],
    private readonly quorum: QuorumStrategy = new MajorityQuorum(),
    epoch = 1n,
    leases?: LeaseTiming,
    perReadCommitWait = false,
    /** Rounds resend unanswered requests with this timing; never when omitted, so tests see every message they cause. */
    resend?: ResendTiming,
  ) {
    const scheme = new ReplicationScheme(entries)
    this.scheme = scheme
    for (const self of scheme.nodes()) {
      this.nodes.set(
        self,
        new RegisterNode({
          self,
          scheme,
          quorum,
          epoch,
          maxDomainSize: 1_000_000n,
          limits: { maxQueuedWrites: 4, maxConcurrentReads: 16, perReadCommitWait },
          reqIdBase: Number(epoch) * 2 ** 32,
          ...(leases && { leases }),
          ...(resend && { resend }),
        }),
      )
    }
  }

  /**
   * Replaces `id` by a new incarnation with `epoch` (its earlier one is gone, with whatever it held unless
   * `durable`), as a process restart would; its first step is its start.
   */
  restart(
    id: NodeId,
    epoch: bigint,
    options: { leases?: LeaseTiming; durable?: boolean; recovery?: RecoveryTiming; incarnation?: number } = {},
  ): void {
    const old = this.node(id)
    const node = new RegisterNode({
      self: id,
      scheme: this.scheme,
      quorum: this.quorum,
      epoch,
      maxDomainSize: 1_000_000n,
      limits: { maxQueuedWrites: 4, maxConcurrentReads: 16 },
      reqIdBase: options.incarnation === undefined ? Number(epoch) * 2 ** 32 : 0,
      ...(options.leases && { leases: options.leases }),
      ...(options.recovery && { recovery: options.recovery }),
      ...(options.incarnation !== undefined && { incarnation: options.incarnation }),
    })
    if (options.durable === true) {
      node.restore(
        old
          .status()
          .flatMap((s) => (s.state === undefined ? [] : [{ token: s.token, ts: s.state.ts, value: s.state.value }])),
      )
    }
    this.nodes.set(id, node)
  }

  node(id: NodeId): RegisterNode {
    return this.nodes.get(id)!
  }

  submit(at: NodeId, token: string, op: ClientOp, timeoutMs = 1000, trace?: TraceContext): number {
    const opId = ++this.opIds
    const deadlineMs = this.nowMs + timeoutMs
    this.apply(
      at,
      this.node(at).step({ type: 'client', opId, token, op, deadlineMs, ...(trace && { trace }) }, this.nowMs),
    )
    return opId
  }

  /** Delivers the in-flight messages matching `filter` (all by default), in order; returns how many. */
  deliver(filter: (e: Envelope) => boolean = () => true): number {
    const now = this.inflight.filter(filter)
    this.inflight = this.inflight.filter((e) => !filter(e))
    for (const envelope of now)
      this.apply(envelope.to, this.node(envelope.to).step({ type: 'message', envelope }, this.nowMs))
    return now.length
  }

  /** Delivers until nothing is in flight (except what `filter` holds back). */
  settle(filter: (e: Envelope) => boolean = () => true): void {
    for (let i = 0; i < 100 && this.deliver(filter) > 0; i++);
  }

  drop(filter: (e: Envelope) => boolean): void {
    this.inflight = this.inflight.filter((e) => !filter(e))
  }

  tick(toMs: number): void {
    this.nowMs = toMs
    for (const [id, node] of this.nodes) this.apply(id, node.step({ type: 'tick' }, toMs))
  }

  cancel(at: NodeId, token: string, opId: number): void {
    this.apply(at, this.node(at).step({ type: 'cancel', opId, token }, this.nowMs))
  }

  /** Answers a held hash job with its real result. */
  finishHash(jobId: number): void {
    const { at, job } = this.takeHash(jobId)
    this.apply(
      at,
      this.node(at).step({ type: 'hashed', jobId, result: argminRange(job.name, job.low, job.high) }, this.nowMs),
    )
  }

  failHash(jobId: number, reason = 'worker crashed'): void {
    const { at } = this.takeHash(jobId)
    this.apply(at, this.node(at).step({ type: 'hash-failed', jobId, reason }, this.nowMs))
  }

  private takeHash(jobId: number): { at: NodeId; job: HashJob } {
    const index = this.hashJobs.findIndex((h) => h.job.jobId === jobId)
    if (index < 0) throw new Error(`no held hash job ${jobId}`)
    return this.hashJobs.splice(index, 1)[0]!
  }

  silence(at: NodeId, token: string): void {
    this.apply(at, this.node(at).step({ type: 'silence', token }, this.nowMs))
  }

  private apply(at: NodeId, out: Outbox): void {
    this.inflight.push(...out.earlySends, ...out.sends)
    for (const event of out.phases) this.phases.push({ at, event })
    for (const done of out.completions) this.completions.set(done.opId, done)
    this.hashCancels.push(...out.hashCancels)
    for (const job of out.hashJobs) {
      if (this.holdHashes) {
        this.hashJobs.push({ at, job })
        continue
      }
      const result = argminRange(job.name, job.low, job.high)
      this.apply(at, this.node(at).step({ type: 'hashed', jobId: job.jobId, result }, this.nowMs))
    }
  }
}
