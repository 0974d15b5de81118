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
import { INITIAL, type Versioned } from './replica-state.js'
import { compareTimestamps, ZERO_TIMESTAMP } from './timestamp.js'
import type { ResendTiming } from './quorum-round.js'
import { type RegisterLimits, TokenRegister } from './token-register.js'
import type { TraceContext } from './trace-context.js'

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
  /**
   * The writer sends its stores while its own copy is being saved (Outbox.earlySends) rather than after. Safe
   * only with `leases.survey`: the writer's disk then need not hold every version it sent. Off when omitted.
   */
  readonly storesBeforeSave?: boolean
  /**
   * Quorum rounds send their request again to replicas that have not answered (links lose messages). Off when
   * omitted, for hand-driven tests that count every message; every running node sets it.
   */
  readonly resend?: ResendTiming
}

export type NodeInput =
  | {
      readonly type: 'client'
      readonly opId: number
      readonly token: string
      readonly op: ClientOp
      readonly deadlineMs: number
      /** Set when the operation is recorded: its span's context (see the Tracer port). */
      readonly trace?: TraceContext
    }
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
  /** This node knows its copy's version committed (a write quorum holds it); trivially so for a never-written copy. */
  readonly committed: boolean
  /** The copy carries its final argmin (a read computed it); false for a copy that holds no written value. */
  readonly finalComputed: boolean
  /** At the writer with leases on: the readers that may hold a read lease now, each with the ms it has left. */
  readonly leaseHolders?: ReadonlyMap<NodeId, number>
  /** At a reader holding a read lease from the writer: the ms it has left. */
  readonly leaseRemainingMs?: number
  /** Client operations on the token this node took on as coordinator since it started. */
  readonly operations: number
}

/** A node's roles in a token, shared by every status (every node of a token's entry stores a copy of it). */
const ROLES: Readonly<Record<'both' | 'writer' | 'reader', readonly ('writer' | 'reader' | 'replica')[]>> = {
  both: ['writer', 'reader', 'replica'],
  writer: ['writer', 'replica'],
  reader: ['reader', 'replica'],
}

/**
 * The protocol on one node: one TokenRegister per token the node plays a role in, and `step(input, nowMs)` as
 * its only entry point. Same inputs and times, same outputs: no clock, timer, randomness or I/O in here.
 *
 * A token's register is built when something first happens to it (an operation, a message, a tick it asked for),
 * not at start: a node of 10^5 tokens would otherwise spend seconds and hundreds of MB on registers most of which
 * stay idle. Until then the token holds only its restored state (`dormant`). An idle register has nothing in
 * flight (no round, queue or granted lease, and nothing heard), so building it late leaves every output the same;
 * replicas that must recover their state are built at the first step, where their recovery starts.
 */
export class RegisterNode {
  private readonly registers = new Map<string, TokenRegister>()
  /** This node's tokens in scheme order. */
  private readonly mine: readonly string[]
  /** Restored replica state of tokens whose register is not built yet. */
  private readonly dormant = new Map<string, Versioned>()
  private readonly silent = new Set<string>()
  /** Client operations taken on per token (bounded by the node's tokens: only those of the scheme count). */
  private readonly operations = new Map<string, number>()
  private readonly deadlines = new DeadlineHeap<string>()
  private readonly jobTokens = new Map<number, string>()
  private readonly nextReqId: () => number
  private reqIds = 0
  private nowMs = 0
  private startedMs: number | undefined
  private jobIds = 0
  private readonly incarnation: number
  private readonly peers = new PeerIncarnations()
  /** Registers built while recovering their state: the only ones a peer's return or a recovery log must visit. */
  private readonly recoveringRegisters = new Set<TokenRegister>()
  /** Registers that caught up with a peer restart they had missed (see caughtUp). */
  restartCatchUps = 0
  /** Messages dropped because they came from a peer's earlier incarnation. */
  staleMessages = 0
  /** Replies that matched no active round: late, duplicate, or for a finished operation. */
  ignoredReplies = 0
  /** Messages from a node that is no replica of their token, or carrying a value no writer could have made. */
  refusedMessages = 0

  constructor(private readonly config: RegisterNodeConfig) {
    const base = config.reqIdBase ?? 0
    // Wrapping within the block is safe: a round never outlives its deadline, long before 2^32 more rounds.
    this.nextReqId = (): number => base + (this.reqIds = (this.reqIds + 1) % 2 ** 32)
    this.incarnation = config.incarnation ?? Number(config.epoch % BigInt(Number.MAX_SAFE_INTEGER))
    this.mine = config.scheme.tokensOf(config.self)
    // A scheme the quorum strategy cannot serve is refused at start, not at a token's first use.
    for (const token of this.mine) config.quorum.validate(config.scheme.replicasOf(token).length)
  }

  get self(): NodeId {
    return this.config.self
  }

  tokens(): string[] {
    return [...this.mine]
  }

  /** How many tokens this node serves (without copying their list). */
  get tokenCount(): number {
    return this.mine.length
  }

  /** Registers built so far: the tokens something happened to, and those recovering their state. */
  get builtRegisters(): number {
    return this.registers.size
  }

  /** Restores durable replica state; call before the first step. */
  restore(entries: readonly PersistEntry[]): void {
    for (const entry of entries) {
      const built = this.registers.get(entry.token)
      if (built !== undefined) built.restore({ ts: entry.ts, value: entry.value })
      // Kept as given: a store may read an entry's state only when it is first asked for (a restart of 10^5 tokens).
      else if (this.serves(entry.token)) this.dormant.set(entry.token, entry)
    }
  }

  step(input: NodeInput, nowMs: number): Outbox {
    const out = new Outbox()
    this.nowMs = nowMs
    if (this.startedMs === undefined) this.firstStep(nowMs)
    switch (input.type) {
      case 'client':
        this.onClient(input, nowMs, out)
        break
      case 'message':
        this.onMessage(input.envelope, out)
        break
      case 'hashed':
        this.onHashed(input.jobId, input.result, out)
        break
      case 'hash-failed':
        this.onHashFailed(input.jobId, input.reason, out)
        break
      case 'cancel':
        this.onCancel(input.opId, input.token, out)
        break
      case 'tick':
        this.onTick(nowMs, out)
        break
      case 'silence':
        this.onSilence(input.token, out)
        break
      // Registers not built yet hold no lease.
      case 'clock-stalled':
        for (const register of this.registers.values()) register.dropLease()
        break
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

  /** Every token's status; `nowMs` (the clock now) dates the leases, the last step's time when omitted. */
  status(nowMs = this.nowMs): TokenStatus[] {
    return this.mine.map((token) => this.statusOf(token, nowMs)!)
  }

  /** One token's status, without building every token's (a per-request log line needs only its own). */
  statusOf(token: string, nowMs = this.nowMs): TokenStatus | undefined {
    const entry = this.config.scheme.get(token)
    if (entry === undefined) return undefined
    const writer = entry.writer === this.self
    const reader = entry.readers.includes(this.self)
    if (!writer && !reader) return undefined
    const register = this.builtRegister(token)
    const recovering = register?.recoveryProgress()
    const replicas = this.config.scheme.replicasOf(token).length
    const state = register?.replicaState ?? this.dormant.get(token) ?? INITIAL
    const holders = register?.leaseHoldersAt(nowMs)
    const leaseRemainingMs = register?.leaseRemainingMs(nowMs)
    return {
      token,
      roles: ROLES[writer ? (reader ? 'both' : 'writer') : 'reader'],
      state,
      silent: this.silent.has(token),
      ...(recovering && { recovering }),
      pending: register?.pendingCount ?? 0,
      replicas,
      readQuorum: this.config.quorum.readQuorum(replicas),
      writeQuorum: this.config.quorum.writeQuorum(replicas),
      // An unbuilt register heard of no commit: only a never-written copy counts as committed then.
      committed: compareTimestamps(state.ts, register?.committed ?? ZERO_TIMESTAMP) <= 0,
      finalComputed: state.value.kind === 'token' && state.value.token.final !== undefined,
      ...(holders !== undefined && { leaseHolders: remainingOf(holders, nowMs) }),
      ...(leaseRemainingMs !== undefined && { leaseRemainingMs }),
      operations: this.operations.get(token) ?? 0,
    }
  }

  /** Whether this node plays a role in `token` (and so stores a copy of it). */
  serves(token: string): boolean {
    const entry = this.config.scheme.get(token)
    return entry !== undefined && (entry.writer === this.self || entry.readers.includes(this.self))
  }

  /** The token's register, built now if nothing has used it yet; undefined for a token not of this node. */
  private register(token: string): TokenRegister | undefined {
    const built = this.builtRegister(token)
    if (built !== undefined || !this.serves(token)) return built
    const register = this.build(token)
    const restored = this.dormant.get(token)
    if (restored !== undefined) {
      // A plain copy: the restored entry may read its state through getters, and the register reads it on every step.
      register.restore({ ts: restored.ts, value: restored.value })
      this.dormant.delete(token)
    }
    // Built now, it took part in nothing the peers that restarted before could have been part of.
    register.restartsSeen = this.peers.restarts
    if (register.recovering) this.recoveringRegisters.add(register)
    this.registers.set(token, register)
    return register
  }

  /** The token's register if it is built, caught up with every peer restart (undefined if not built). */
  private builtRegister(token: string): TokenRegister | undefined {
    const register = this.registers.get(token)
    return register === undefined ? undefined : this.caughtUp(register)
  }

  /**
   * Tells `register` of the peers that restarted since it last caught up. A restart is applied to a register only
   * when something next happens to it, not to every register when the restart is seen: at 10^5 tokens that visit
   * cost each peer about 100 ms on the restarted node's first message, and its first operations waited for it.
   * Nothing can change a register between the two moments (only a step reaches it, and every step goes through
   * here first), so it ends in the same state as if it had been told at once. Restarting several times counts once:
   * forgetting a peer's answers and revoking its lease twice changes nothing.
   */
  private caughtUp(register: TokenRegister): TokenRegister {
    const restarts = this.peers.restarts
    if (register.restartsSeen === restarts) return register
    for (const peer of register.replicas) {
      if (this.peers.lastRestartOf(peer) > register.restartsSeen) register.peerRestarted(peer)
    }
    register.restartsSeen = restarts
    this.restartCatchUps++
    return register
  }

  private build(token: string): TokenRegister {
    const config = this.config
    const ids = {
      nowMs: () => this.nowMs,
      nextReqId: this.nextReqId,
      nextJobId: () => ++this.jobIds,
      startedMs: () => this.startedMs ?? this.nowMs,
      wakeAt: (atMs: number) => this.deadlines.push(atMs, token),
    }
    const entry = config.scheme.get(token)!
    const replicas = config.scheme.replicasOf(token)
    const roles = {
      token,
      self: config.self,
      writer: entry.writer,
      readers: entry.readers,
      replicas,
      readQuorum: config.quorum.readQuorum(replicas.length),
      writeQuorum: config.quorum.writeQuorum(replicas.length),
    }
    return new TokenRegister(
      roles,
      config.epoch,
      config.limits,
      ids,
      config.leases ?? NO_LEASES,
      config.recovery,
      config.storesBeforeSave === true,
      config.resend,
    )
  }

  /** A replica without restored state recovers it (when recovery is on): its register is built now and ticked first. */
  private firstStep(nowMs: number): void {
    this.startedMs = nowMs
    if (this.config.recovery === undefined) return
    for (const token of this.mine) {
      if (this.dormant.has(token) || this.registers.has(token)) continue
      if (this.register(token)!.recovering) this.deadlines.push(-Infinity, token)
    }
  }

  private onClient(input: NodeInput & { type: 'client' }, nowMs: number, out: Outbox): void {
    const fail = (error: TokenManagerError): void => {
      out.completions.push({ opId: input.opId, ok: false, error })
    }
    const entry = this.config.scheme.get(input.token)
    if (entry === undefined) return fail(new NotFoundError(`token ${input.token} is not in the replication scheme`))
    if (this.silent.has(input.token)) return
    if (input.op.type === 'read' && !entry.readers.includes(this.self)) {
      return fail(
        new WrongNodeError(
          `node ${this.self} is not a reader of token ${input.token}; readers: ${entry.readers.join(', ')}`,
        ),
      )
    }
    if (input.op.type !== 'read' && entry.writer !== this.self) {
      return fail(
        new WrongNodeError(`node ${this.self} is not the writer of token ${input.token}; writer: ${entry.writer}`),
      )
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
    this.operations.set(input.token, (this.operations.get(input.token) ?? 0) + 1)
    this.register(input.token)!.submit(input.opId, input.op, input.deadlineMs, out, input.trace)
  }

  /** Tokens whose replica here is still recovering its state (only built registers can be). */
  recoveringCount(): number {
    let count = 0
    for (const register of this.stillRecovering()) if (!this.silent.has(register.token)) count++
    return count
  }

  /** The ids of those tokens: cheaper than a status of every token while 10^5 of them recover. */
  recoveringTokens(): string[] {
    const tokens: string[] = []
    for (const register of this.stillRecovering()) if (!this.silent.has(register.token)) tokens.push(register.token)
    return tokens
  }

  /** The registers still recovering; those that recovered leave the set (a register never recovers twice). */
  private stillRecovering(): Set<TokenRegister> {
    for (const register of this.recoveringRegisters) if (!register.recovering) this.recoveringRegisters.delete(register)
    return this.recoveringRegisters
  }

  /** Every message this step sends carries this incarnation (answers also echo the one they answer, as `re`). */
  private stampIncarnation(out: Outbox): void {
    this.stamp(out.earlySends)
    this.stamp(out.sends)
  }

  private stamp(sends: Envelope[]): void {
    for (let i = 0; i < sends.length; i++) {
      const envelope = sends[i]!
      if (envelope.inc === undefined)
        sends[i] = { from: envelope.from, to: envelope.to, message: envelope.message, inc: this.incarnation }
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
    // A 'new' incarnation counts as a restart in this.peers: each register catches up with it when next used.
    if (seen === 'new' || seen === 'first') this.askAgainOf(envelope.from)
    return true
  }

  /**
   * A peer came up (its first message, or its new incarnation's): the recovery queries its tokens sent while it was
   * down were lost, and asking on its own backs off, so every token still recovering with it asks again at once.
   */
  private askAgainOf(peer: NodeId): void {
    for (const register of this.stillRecovering()) {
      if (register.replicas.includes(peer) && register.askAgain()) this.deadlines.push(this.nowMs, register.token)
    }
  }

  private onMessage(envelope: Envelope, out: Outbox): void {
    const token = envelope.message.token
    if (this.silent.has(token) || envelope.to !== this.self) return
    const register = this.register(token)
    if (register === undefined) return
    // The sender is only what the batch claims; still, a stranger's store must not move the register.
    const message = envelope.message
    if (
      !register.replicas.includes(envelope.from) ||
      ((message.type === 'store' || message.type === 'query-reply') &&
        !isPlausibleValue(message.value, this.config.maxDomainSize)) ||
      (message.type === 'lease-grant' && !(Number.isFinite(message.leaseMs) && message.leaseMs >= 0))
    ) {
      this.refusedMessages++
      return
    }
    if (!this.admitIncarnation(envelope)) return
    // The message may be the first of the sender's new incarnation: the register learns of that restart first.
    this.caughtUp(register)
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
    this.builtRegister(token)!.onHashed(jobId, result, out)
  }

  private onHashFailed(jobId: number, reason: string, out: Outbox): void {
    const token = this.jobTokens.get(jobId)
    if (token === undefined || this.silent.has(token)) return
    this.jobTokens.delete(jobId)
    this.builtRegister(token)!.onHashFailed(jobId, reason, out)
  }

  private onCancel(opId: number, token: string, out: Outbox): void {
    if (this.silent.has(token)) return
    this.builtRegister(token)?.cancel(opId, out)
  }

  private onTick(nowMs: number, out: Outbox): void {
    const due = new Set(this.deadlines.popDue(nowMs))
    for (const token of due) if (!this.silent.has(token)) this.register(token)!.expire(nowMs, out)
  }

  private onSilence(token: string, out: Outbox): void {
    if (!this.serves(token) || this.silent.has(token)) return
    this.silent.add(token)
    // A register not built yet has no work to abandon.
    this.builtRegister(token)?.abandon(out)
  }
}

/** Lease ends (node clock) as the ms each has left at `nowMs`. */
function remainingOf(holders: ReadonlyMap<NodeId, number>, nowMs: number): ReadonlyMap<NodeId, number> {
  const remaining = new Map<NodeId, number>()
  for (const [holder, untilMs] of holders) remaining.set(holder, Math.max(0, untilMs - nowMs))
  return remaining
}
