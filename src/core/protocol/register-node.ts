import { InvalidArgumentError, NotFoundError, type TokenManagerError, WrongNodeError } from '../errors.js'
import type { QuorumStrategy } from '../ports/quorum-strategy.js'
import type { ReplicationScheme } from '../scheme/replication-scheme.js'
import type { Argmin } from '../token/argmin.js'
import { isPlausibleValue, validateWriteInput } from '../token/token-value.js'
import { DeadlineHeap } from './deadline-heap.js'
import { type Envelope, isAnswer, type NodeId } from './messages.js'
import type { ClientOp } from './operations.js'
import { Outbox, type PersistEntry } from './outbox.js'
import { type LeaseTiming, NO_LEASES } from './read-lease.js'
import { PeerIncarnations } from './peer-incarnations.js'
import type { RecoveryTiming } from './replica-recovery.js'
import type { Versioned } from './replica-state.js'
import { type RegisterLimits, TokenRegister } from './token-register.js'

export interface RegisterNodeConfig {
  readonly self: NodeId
  readonly scheme: ReplicationScheme
  readonly quorum: QuorumStrategy
  /** This incarnation's epoch: must exceed every earlier incarnation's (see Timestamp). */
  readonly epoch: bigint
  readonly maxDomainSize: bigint
  readonly limits: RegisterLimits
  /**
   * First request id of this incarnation. Replies carry only the request id, so a late reply meant for an earlier
   * incarnation must not match a new round: each incarnation takes its own block of 2^32 ids.
   */
  readonly reqIdBase?: number
  /**
   * This process's incarnation: drawn at random at each start (a safe integer), stamped on every message sent;
   * answers echo it, and an answer for another incarnation never joins a round. Derived from the epoch when
   * omitted (hand-driven tests).
   */
  readonly incarnation?: number
  /** Read leases (README, "Read leases"); off when omitted. */
  readonly leases?: LeaseTiming
  /**
   * Set when this node starts without the state its earlier incarnation had (memory persistence, a new data dir):
   * each replica recovers it from the others before it counts in a quorum (see ReplicaRecovery).
   */
  readonly recovery?: RecoveryTiming
}

export type NodeInput =
  | { readonly type: 'client'; readonly opId: number; readonly token: string; readonly op: ClientOp; readonly deadlineMs: number }
  | { readonly type: 'message'; readonly envelope: Envelope }
  | { readonly type: 'hashed'; readonly jobId: number; readonly result: Argmin | undefined }
  /** The hasher failed a job (not cancelled by us): whoever waits for it fails now rather than at its deadline. */
  | { readonly type: 'hash-failed'; readonly jobId: number; readonly reason: string }
  /** The caller gave up on an operation: its queued or hashing work is dropped, freeing the slot at once. */
  | { readonly type: 'cancel'; readonly opId: number; readonly token: string }
  | { readonly type: 'tick' }
  | { readonly type: 'silence'; readonly token: string }
  /**
   * The node's monotonic clock stood still while wall time went on (a suspended machine or paused VM): a lease
   * counted on it may have run out in real time, so every lease held is dropped before anything is served.
   */
  | { readonly type: 'clock-stalled' }

export interface TokenStatus {
  readonly token: string
  readonly roles: readonly ('writer' | 'reader' | 'replica')[]
  readonly state: Versioned | undefined
  readonly silent: boolean
  /** The replica lost its state in a restart and has not recovered it yet: how far recovery got. */
  readonly recovering?: { readonly answered: number; readonly ready: number; readonly others: number }
  readonly pending: number
  readonly replicas: number
  readonly readQuorum: number
  readonly writeQuorum: number
}

/**
 * The protocol on one node: one TokenRegister per token the node plays a role in, and `step(input, nowMs)` as
 * its only entry point. Same inputs and times, same outputs: no clock, timer, randomness or I/O in here.
 */
export class RegisterNode {
  private readonly registers = new Map<string, TokenRegister>()
  private readonly silent = new Set<string>()
  private readonly deadlines = new DeadlineHeap<string>()
  private readonly jobTokens = new Map<number, string>()
  private reqIds = 0
  private nowMs = 0
  private startedMs: number | undefined
  private jobIds = 0
  private readonly incarnation: number
  private readonly peers = new PeerIncarnations()
  /** Messages dropped because they came from a peer's earlier incarnation. */
  staleMessages = 0
  /** Replies that matched no active round: late, duplicate, or for a finished operation. */
  ignoredReplies = 0
  /** Messages from a node that is no replica of their token, or carrying a value no writer could have made. */
  refusedMessages = 0

  constructor(private readonly config: RegisterNodeConfig) {
    const base = config.reqIdBase ?? 0
    // Wrapping within the block is safe: a round never outlives its deadline, long before 2^32 more rounds.
    const nextReqId = (): number => base + (this.reqIds = (this.reqIds + 1) % 2 ** 32)
    const leases = config.leases ?? NO_LEASES
    this.incarnation = config.incarnation ?? Number(config.epoch % BigInt(Number.MAX_SAFE_INTEGER))
    for (const token of config.scheme.tokensOf(config.self)) {
      const ids = { nowMs: () => this.nowMs, nextReqId, nextJobId: () => ++this.jobIds,
        startedMs: () => this.startedMs ?? this.nowMs, wakeAt: (atMs: number) => this.deadlines.push(atMs, token) }
      const entry = config.scheme.get(token)!
      const replicas = config.scheme.replicasOf(token)
      config.quorum.validate(replicas.length)
      const roles = { token, self: config.self, writer: entry.writer, readers: entry.readers, replicas,
        readQuorum: config.quorum.readQuorum(replicas.length), writeQuorum: config.quorum.writeQuorum(replicas.length) }
      this.registers.set(token, new TokenRegister(roles, config.epoch, config.limits, ids, leases, config.recovery))
      // Recovery starts with the first tick.
      if (this.registers.get(token)!.recovering) this.deadlines.push(-Infinity, token)
    }
  }

  get self(): NodeId {
    return this.config.self
  }

  tokens(): string[] {
    return [...this.registers.keys()]
  }

  /** Restores durable replica state; call before the first step. */
  restore(entries: readonly PersistEntry[]): void {
    for (const entry of entries) this.registers.get(entry.token)?.restore({ ts: entry.ts, value: entry.value })
  }

  step(input: NodeInput, nowMs: number): Outbox {
    const out = new Outbox()
    this.nowMs = nowMs
    this.startedMs ??= nowMs
    switch (input.type) {
      case 'client': this.onClient(input, nowMs, out); break
      case 'message': this.onMessage(input.envelope, out); break
      case 'hashed': this.onHashed(input.jobId, input.result, out); break
      case 'hash-failed': this.onHashFailed(input.jobId, input.reason, out); break
      case 'cancel': this.onCancel(input.opId, input.token, out); break
      case 'tick': this.onTick(nowMs, out); break
      case 'silence': this.onSilence(input.token, out); break
      case 'clock-stalled': for (const register of this.registers.values()) register.dropLease(); break
    }
    this.stampIncarnation(out)
    for (const job of out.hashJobs) this.jobTokens.set(job.jobId, job.token)
    for (const jobId of out.hashCancels) this.jobTokens.delete(jobId)
    return out
  }

  /** When the driver must call `step({type: 'tick'})` next, if ever. */
  nextDeadlineMs(): number | undefined {
    return this.deadlines.peekMs()
  }

  isSilent(token: string): boolean {
    return this.silent.has(token)
  }

  status(): TokenStatus[] {
    return [...this.registers.values()].map((r) => this.statusOfRegister(r))
  }

  /** One token's status, without building every token's (a per-request log line needs only its own). */
  statusOf(token: string): TokenStatus | undefined {
    const register = this.registers.get(token)
    return register === undefined ? undefined : this.statusOfRegister(register)
  }

  private statusOfRegister(r: TokenRegister): TokenStatus {
    const entry = this.config.scheme.get(r.token)!
    const roles: ('writer' | 'reader' | 'replica')[] = []
    if (entry.writer === this.self) roles.push('writer')
    if (entry.readers.includes(this.self)) roles.push('reader')
    if (r.isReplica) roles.push('replica')
    const recovering = r.recoveryProgress()
    return { token: r.token, roles, state: r.isReplica ? r.replicaState : undefined, silent: this.silent.has(r.token),
      ...(recovering && { recovering }), pending: r.pendingCount, replicas: r.replicas.length, readQuorum: r.readQuorum, writeQuorum: r.writeQuorum }
  }

  private onClient(input: NodeInput & { type: 'client' }, nowMs: number, out: Outbox): void {
    const fail = (error: TokenManagerError): void => {
      out.completions.push({ opId: input.opId, ok: false, error })
    }
    const entry = this.config.scheme.get(input.token)
    if (entry === undefined) return fail(new NotFoundError(`token ${input.token} is not in the replication scheme`))
    if (this.silent.has(input.token)) return
    if (input.op.type === 'read' && !entry.readers.includes(this.self)) {
      return fail(new WrongNodeError(`node ${this.self} is not a reader of token ${input.token}; readers: ${entry.readers.join(', ')}`))
    }
    if (input.op.type !== 'read' && entry.writer !== this.self) {
      return fail(new WrongNodeError(`node ${this.self} is not the writer of token ${input.token}; writer: ${entry.writer}`))
    }
    if (input.op.type === 'write') {
      try {
        validateWriteInput(input.op, this.config.maxDomainSize)
      } catch (error) {
        if (error instanceof InvalidArgumentError) return fail(error)
        throw error
      }
    }
    if (input.deadlineMs <= nowMs) return fail(new InvalidArgumentError('deadline already passed'))
    this.deadlines.push(input.deadlineMs, input.token)
    this.registers.get(input.token)!.submit(input.opId, input.op, input.deadlineMs, out)
  }

  /** Tokens whose replica here is still recovering its state. */
  recoveringCount(): number {
    let count = 0
    for (const register of this.registers.values()) if (register.recovering && !this.silent.has(register.token)) count++
    return count
  }

  /** Every message this step sends carries this incarnation (answers also echo the one they answer, as `re`). */
  private stampIncarnation(out: Outbox): void {
    const sends = out.sends
    for (let i = 0; i < sends.length; i++) {
      const envelope = sends[i]!
      if (envelope.inc === undefined) sends[i] = { from: envelope.from, to: envelope.to, message: envelope.message, inc: this.incarnation }
    }
  }

  /**
   * Drops a message of a peer's earlier incarnation, and tells the registers when a peer restarted. True when the
   * message may be processed.
   */
  private admitIncarnation(envelope: Envelope): boolean {
    if (envelope.inc === undefined) return true
    const seen = this.peers.observe(envelope.from, envelope.inc)
    if (seen === 'stale') {
      this.staleMessages++
      return false
    }
    if (seen === 'new') {
      for (const register of this.registers.values()) if (register.replicas.includes(envelope.from)) register.peerRestarted(envelope.from)
    }
    return true
  }

  private onMessage(envelope: Envelope, out: Outbox): void {
    const token = envelope.message.token
    const register = this.registers.get(token)
    if (register === undefined || this.silent.has(token) || envelope.to !== this.self) return
    // The sender is only what the batch claims; still, a stranger's store must not move the register.
    const message = envelope.message
    if (!register.replicas.includes(envelope.from) ||
        ((message.type === 'store' || message.type === 'query-reply') && !isPlausibleValue(message.value, this.config.maxDomainSize)) ||
        (message.type === 'lease-grant' && !(Number.isFinite(message.leaseMs) && message.leaseMs >= 0))) {
      this.refusedMessages++
      return
    }
    if (!this.admitIncarnation(envelope)) return
    // An answer meant for another incarnation of this node (a late reply to a dead process) joins no round.
    if (isAnswer(message) && message.re !== this.incarnation) {
      this.ignoredReplies++
      return
    }
    if (!register.onMessage(envelope.from, envelope.message, envelope.inc, out)) this.ignoredReplies++
  }

  private onHashed(jobId: number, result: Argmin | undefined, out: Outbox): void {
    const token = this.jobTokens.get(jobId)
    if (token === undefined || this.silent.has(token)) return
    this.jobTokens.delete(jobId)
    this.registers.get(token)!.onHashed(jobId, result, out)
  }

  private onHashFailed(jobId: number, reason: string, out: Outbox): void {
    const token = this.jobTokens.get(jobId)
    if (token === undefined || this.silent.has(token)) return
    this.jobTokens.delete(jobId)
    this.registers.get(token)!.onHashFailed(jobId, reason, out)
  }

  private onCancel(opId: number, token: string, out: Outbox): void {
    if (this.silent.has(token)) return
    this.registers.get(token)?.cancel(opId, out)
  }

  private onTick(nowMs: number, out: Outbox): void {
    const due = new Set(this.deadlines.popDue(nowMs))
    for (const token of due) if (!this.silent.has(token)) this.registers.get(token)!.expire(nowMs, out)
  }

  private onSilence(token: string, out: Outbox): void {
    const register = this.registers.get(token)
    if (register === undefined || this.silent.has(token)) return
    this.silent.add(token)
    register.abandon(out)
  }
}
