import {
  CancelledError,
  DeadlineExceededError,
  OverloadedError,
  type TokenManagerError,
  UnavailableError,
} from '../errors.js'
import type { Clock, Timer } from '../ports/clock.js'
import type { FailureInjector } from '../ports/failure-injector.js'
import { type Metrics, NO_METRICS, type OperationType } from '../ports/metrics.js'
import type { Hasher } from '../ports/hasher.js'
import type { Persistence } from '../ports/persistence.js'
import { SaveBarrier } from './save-barrier.js'
import type { Transport } from '../ports/transport.js'
import { DeadlineHeap } from '../protocol/deadline-heap.js'
import type { Envelope } from '../protocol/messages.js'
import type { ClientOp, OpResult } from '../protocol/operations.js'
import { isCountedRound, type Outbox } from '../protocol/outbox.js'
import type { TraceContext } from '../protocol/trace-context.js'
import { NO_TRACER, type OperationTrace, type SpanRecord, type Tracer } from '../ports/tracer.js'
import { type RecentOperation, RecentOperations } from './recent-operations.js'
import type { NodeInput, RegisterNode, TokenStatus } from '../protocol/register-node.js'
import { HashJobs } from './hash-jobs.js'

export interface NodeDriverPorts {
  readonly transport: Transport
  readonly persistence: Persistence
  readonly hasher: Hasher
  readonly clock: Clock
  readonly failures: FailureInjector
  readonly metrics?: Metrics
  readonly tracer?: Tracer
}

export interface NodeDriverOptions {
  /** Upper bound on any operation's time at this node, whatever the caller asks. */
  readonly maxOperationMs: number
  /** Bound on client requests parked on silent tokens (they are never answered, only released). */
  readonly maxParked: number
  /**
   * Wall time passing this much faster than monotonic time between two inputs means the monotonic clock stood
   * still (suspend, VM pause): leases are dropped. Below it, the leases' drift margin covers the gap.
   */
  readonly stallThresholdMs?: number
  /** How many client operations `recentOperations` remembers (1000). */
  readonly recentOperations?: number
}

export interface ExecuteOptions {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  /** The caller's trace context (W3C traceparent), if it sent one: its sampled flag asks for this operation's spans. */
  readonly trace?: TraceContext
}

export type Done = (error: TokenManagerError | undefined, result?: OpResult) => void

interface PendingOp {
  readonly token: string
  readonly type: OperationType
  readonly startedMs: number
  readonly done: Done
  readonly deadlineMs: number
  parked: boolean
  detach?: () => void
  /** Set when the operation is recorded. */
  readonly trace: OperationTrace | undefined
}

/**
 * Runs a RegisterNode against real ports: the I/O contract of the protocol lives here. Each step's effects are
 * applied in order: persist (and send the writer's stores, which wait for no save), then, once durable, send,
 * complete and hash. Fail-silent is enforced here, before the
 * protocol sees an input: an input about a silent token is dropped and the token's work abandoned.
 */
export class NodeDriver {
  private readonly pending = new Map<number, PendingOp>()
  private readonly opDeadlines = new DeadlineHeap<number>()
  private readonly inputs: NodeInput[] = []
  private readonly hashJobs: HashJobs
  private readonly effects = new SaveBarrier()
  private draining = false
  private timer: Timer | undefined
  private timerAtMs = Infinity
  private opIds = 0
  /** Times the monotonic clock was found to have stood still (each dropped every lease). */
  clockStalls = 0
  private parkedCount = 0
  /** Parked requests per token, for Status (a token absent here has none): at most one entry per parked token. */
  private readonly parkedByToken = new Map<string, number>()
  private stopped = false
  private readonly metrics: Metrics
  private readonly tracer: Tracer
  private readonly recent: RecentOperations
  private lastWallMs: number | undefined
  private lastMonoMs = 0

  constructor(
    readonly node: RegisterNode,
    private readonly ports: NodeDriverPorts,
    private readonly options: NodeDriverOptions,
  ) {
    this.metrics = ports.metrics ?? NO_METRICS
    this.tracer = ports.tracer ?? NO_TRACER
    this.recent = new RecentOperations(options.recentOperations ?? 1_000)
    ports.persistence.observe?.((event) => this.metrics.synced(event))
    this.hashJobs = new HashJobs(ports.hasher, {
      done: (jobId, result) => this.feed({ type: 'hashed', jobId, result }),
      failed: (jobId, reason) => this.feed({ type: 'hash-failed', jobId, reason }),
      hashed: (values, durationMs) => this.metrics.hashed(values, durationMs),
      nowMs: () => ports.clock.nowMs(),
    })
    this.metrics.watch(() => ({
      parkedRequests: this.parkedCount,
      pendingOperations: this.pending.size,
      silentTokens: this.node.tokens().filter((t) => this.node.isSilent(t)).length,
      ignoredReplies: this.node.ignoredReplies,
      recoveringTokens: this.node.recoveringCount(),
    }))
  }

  get self(): string {
    return this.node.self
  }

  async start(): Promise<void> {
    this.node.restore(await this.ports.persistence.load())
    await this.ports.transport.start(this.node.self, (envelope) => this.onEnvelope(envelope))
    this.feed({ type: 'tick' })
  }

  /** Runs one client operation on this node. Rejects with a TokenManagerError. */
  execute(token: string, op: ClientOp, options: ExecuteOptions): Promise<OpResult> {
    return new Promise((resolve, reject) => {
      this.submit(token, op, options, (error, result) => (error === undefined ? resolve(result!) : reject(error)))
    })
  }

  /**
   * Callback form of `execute`: `done` runs exactly once, possibly before `submit` returns. Simulations use it to
   * stay synchronous and therefore replayable. Returns the operation's id for `cancel`, or undefined when it is
   * already done.
   */
  submit(token: string, op: ClientOp, options: ExecuteOptions, done: Done): number | undefined {
    if (this.stopped) return void done(new UnavailableError(`node ${this.self} is stopping`))
    if (options.signal?.aborted) return void done(new CancelledError('cancelled by the caller'))
    const now = this.ports.clock.nowMs()
    const deadlineMs = now + Math.max(1, Math.min(options.timeoutMs, this.options.maxOperationMs))
    const opId = ++this.opIds
    const trace = this.tracer.begin(options.trace)
    const entry: PendingOp = { token, type: op.type, startedMs: now, done, deadlineMs, parked: false, trace }
    this.pending.set(opId, entry)
    this.opDeadlines.push(deadlineMs, opId)
    if (options.signal) {
      const onAbort = (): void => this.cancel(opId)
      options.signal.addEventListener('abort', onAbort, { once: true })
      entry.detach = () => options.signal!.removeEventListener('abort', onAbort)
    }
    if (this.ports.failures.isSilent(this.self, token, now)) {
      this.park(opId, entry)
      this.schedule()
    } else {
      this.feed({ type: 'client', opId, token, op, deadlineMs, trace })
    }
    return this.pending.has(opId) ? opId : undefined
  }

  /**
   * The caller gave up on an operation: it fails with CancelledError now, and the protocol drops whatever work of
   * it has not reached the replicas. A no-op for an operation already done. Cheaper than a signal per call.
   */
  cancel(opId: number): void {
    const op = this.pending.get(opId)
    if (op === undefined) return
    this.settle(opId, new CancelledError('cancelled by the caller'))
    this.feed({ type: 'cancel', opId, token: op.token })
  }

  /** Makes this node silent for `token` from `atMs` on (now when omitted). */
  silence(token: string, atMs?: number): void {
    this.ports.failures.silence(this.self, token, atMs ?? this.ports.clock.nowMs())
    this.feed({ type: 'tick' })
  }

  /** Schedules silence for `token` `afterMs` from now; returns the node-clock time it takes effect. */
  silenceAfter(token: string, afterMs: number): number {
    const atMs = this.ports.clock.nowMs() + afterMs
    this.silence(token, atMs)
    return atMs
  }

  /** Every token's status; `pending` counts the requests parked on a silent token too (they wait for their deadline). */
  status(): TokenStatus[] {
    const nowMs = this.ports.clock.nowMs()
    this.applySilences(nowMs)
    const statuses = this.node.status(nowMs)
    if (this.parkedByToken.size === 0) return statuses
    return statuses.map((status) => {
      const parked = this.parkedByToken.get(status.token)
      return parked === undefined ? status : { ...status, pending: status.pending + parked }
    })
  }

  nowMs(): number {
    return this.ports.clock.nowMs()
  }

  /** The last client operations this node coordinated, newest first (see RecentOperations). */
  recentOperations(limit: number, token?: string): RecentOperation[] {
    return this.recent.list(limit, token)
  }

  /** The spans this node recorded of one trace (see Tracer.spans). */
  traceSpans(traceId: string): readonly SpanRecord[] {
    return this.tracer.spans(traceId)
  }

  get parked(): number {
    return this.parkedCount
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.timer?.cancel()
    this.hashJobs.cancelAll()
    for (const opId of [...this.pending.keys()]) this.settle(opId, new UnavailableError(`node ${this.self} stopped`))
    await this.ports.transport.stop()
    await this.effects.drained()
    await this.ports.persistence.close()
    await this.ports.hasher.close()
    await this.tracer.close?.()
  }

  private onEnvelope(envelope: Envelope): void {
    this.feed({ type: 'message', envelope })
  }

  private feed(input: NodeInput): void {
    if (this.stopped) return
    this.inputs.push(input)
    if (this.draining) return
    this.draining = true
    try {
      for (let next = this.inputs.shift(); next !== undefined; next = this.inputs.shift()) this.process(next)
    } finally {
      this.draining = false
    }
    this.schedule()
  }

  private process(input: NodeInput): void {
    const now = this.ports.clock.nowMs()
    this.checkClockStall(now)
    this.applySilences(now)
    if (input.type === 'tick') this.expireParked(now)
    const out = this.node.step(input, now)
    if (input.type === 'client' && this.node.isSilent(input.token)) this.park(input.opId, this.pending.get(input.opId))
    this.apply(out)
  }

  /** Before any input is served: if wall time ran ahead of monotonic time, the node was suspended. */
  private checkClockStall(nowMs: number): void {
    const wallMs = this.ports.clock.wallMs?.()
    if (wallMs === undefined) return
    const lastWallMs = this.lastWallMs
    this.lastWallMs = wallMs
    const stalledMs = lastWallMs === undefined ? 0 : wallMs - lastWallMs - (nowMs - this.lastMonoMs)
    this.lastMonoMs = nowMs
    if (stalledMs > (this.options.stallThresholdMs ?? 10)) {
      this.clockStalls++
      this.apply(this.node.step({ type: 'clock-stalled' }, nowMs))
    }
  }

  /** Silences due by now reach the protocol before any input, so nothing received after them is answered. */
  private applySilences(nowMs: number): void {
    for (const token of this.ports.failures.silentTokens(this.self, nowMs)) {
      if (this.node.isSilent(token)) continue
      this.apply(this.node.step({ type: 'silence', token }, nowMs))
      for (const [opId, op] of this.pending) if (op.token === token) this.park(opId, op)
    }
  }

  /**
   * Applies one step's effects. Its entries go to the store at once, so that a durable store can sync them
   * together with those of the steps around it (group commit); its sends and completions wait for its own save
   * and for the earlier steps about the same tokens (SaveBarrier), so no answer or completion leaves before the
   * state it reflects is durable. Only the writer's store requests leave at once (Outbox.earlySends).
   */
  private apply(out: Outbox): void {
    const saved = out.persists.length > 0 ? this.ports.persistence.save(out.persists) : undefined
    // After save is called, so that a store that syncs in place has saved when they leave (see Outbox.earlySends).
    for (const envelope of out.earlySends) this.ports.transport.send(envelope)
    this.effects.apply({
      tokens: this.tokensOf(out),
      global: out.hashCancels.length > 0,
      saved,
      run: () => this.emit(out),
      failed: (error) => this.persistFailed(error, out),
    })
  }

  private tokensOf(out: Outbox): Set<string> {
    const tokens = new Set<string>()
    for (const entry of out.persists) tokens.add(entry.token)
    for (const envelope of out.sends) tokens.add(envelope.message.token)
    for (const job of out.hashJobs) tokens.add(job.token)
    for (const done of out.completions) {
      const op = this.pending.get(done.opId)
      if (op !== undefined) tokens.add(op.token)
    }
    return tokens
  }

  private emit(out: Outbox): void {
    for (const envelope of out.sends) this.ports.transport.send(envelope)
    for (const phase of out.phases) {
      if (isCountedRound(phase)) this.metrics.roundDone(phase)
      if (phase.span !== undefined) this.tracer.phase(phase, this.ports.clock.nowMs())
    }
    for (const done of out.completions) {
      if (done.ok) this.settle(done.opId, undefined, done.result)
      else this.settle(done.opId, done.error)
    }
    for (const jobId of out.hashCancels) this.hashJobs.cancel(jobId)
    for (const job of out.hashJobs) this.hashJobs.start(job)
  }

  /**
   * A replica that cannot make its state durable must not acknowledge it: fail the operations, send nothing more
   * (a writer's stores already left, as requests that acknowledge nothing), and the SaveBarrier fails the held
   * steps about those tokens too. Its memory now holds state that a restart would lose, so it crash-stops for
   * those tokens (fail-silent) rather than answer from that state.
   */
  private persistFailed(error: unknown, out: Outbox): void {
    const reason = new UnavailableError(`node ${this.self} could not persist: ${String(error)}`)
    for (const done of out.completions) this.settle(done.opId, reason)
    for (const token of new Set(out.persists.map((entry) => entry.token))) this.silence(token)
  }

  private park(opId: number, op: PendingOp | undefined): void {
    if (op === undefined || op.parked) return
    if (this.parkedCount >= this.options.maxParked) {
      return this.settle(opId, new OverloadedError(`node ${this.self}: too many requests parked on silent tokens`))
    }
    op.parked = true
    this.parkedCount++
    this.parkedByToken.set(op.token, (this.parkedByToken.get(op.token) ?? 0) + 1)
  }

  private unpark(token: string): void {
    this.parkedCount--
    const left = this.parkedByToken.get(token)! - 1
    if (left === 0) this.parkedByToken.delete(token)
    else this.parkedByToken.set(token, left)
  }

  /** Parked requests are released at their deadline; answered ones are already gone. */
  private expireParked(nowMs: number): void {
    for (const opId of this.opDeadlines.popDue(nowMs)) {
      const op = this.pending.get(opId)
      if (op?.parked) this.settle(opId, new DeadlineExceededError(`no answer from ${this.self}`))
    }
  }

  private settle(opId: number, error?: TokenManagerError, result?: OpResult): void {
    const op = this.pending.get(opId)
    if (op === undefined) return
    this.pending.delete(opId)
    if (op.parked) this.unpark(op.token)
    op.detach?.()
    const endMs = this.ports.clock.nowMs()
    const outcome = error === undefined ? 'ok' : error.code
    this.metrics.operationDone(op.type, op.token, outcome, endMs - op.startedMs)
    this.recent.record(op.token, op.type, op.startedMs, endMs - op.startedMs, outcome, op.trace?.traceId)
    if (op.trace !== undefined) {
      const { token, type, startedMs: startMs, trace } = op
      this.tracer.operation({ token, type, startMs, endMs, outcome, trace, ...(error && { error: error.message }) })
    }
    op.done(error, result)
  }

  private schedule(): void {
    if (this.stopped) return
    const now = this.ports.clock.nowMs()
    // Runs after every input: no arrays, no spread.
    const atMs = Math.min(
      this.node.nextDeadlineMs() ?? Infinity,
      this.opDeadlines.peekMs() ?? Infinity,
      this.ports.failures.nextSilenceMs(this.self, now) ?? Infinity,
    )
    if (atMs >= this.timerAtMs || !Number.isFinite(atMs)) return
    this.timer?.cancel()
    this.timerAtMs = atMs
    this.timer = this.ports.clock.setTimer(Math.max(0, atMs - now), () => {
      this.timerAtMs = Infinity
      this.timer = undefined
      this.feed({ type: 'tick' })
    })
  }
}
