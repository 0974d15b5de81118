import type { NodeId, ReplicaMessage } from './messages.js'
import type { Outbox } from './outbox.js'
import { newest, type Versioned } from './replica-state.js'

/** What recovery needs of its token's register. */
export interface RecoveryHost {
  readonly token: string
  readonly self: NodeId
  readonly replicas: readonly NodeId[]
  readonly writeQuorum: number
  nowMs(): number
  /** When this incarnation took its first step: the settle time counts from it. */
  startedMs(): number
  nextReqId(): number
  wakeAt(atMs: number): void
  broadcast(message: ReplicaMessage, out: Outbox): void
}

export interface RecoveryTiming {
  /**
   * How long after start a round of the earlier incarnation may still complete with one of its acks: the longest
   * operation any node runs, stretched by clock drift. Answers to queries sent after it may stand alone.
   */
  readonly settleMs: number
  /** How often to ask again while answers are missing. */
  readonly retryMs: number
}

interface Answer {
  readonly ready: boolean
  /** The newest state this replica reported in any answer. */
  readonly state: Versioned
  /** It answered ready to a query sent after the settle time. */
  readonly settledReady: boolean
  /** It answered that it lacked state at least once since this replica started. */
  readonly lacked: boolean
  /** The incarnation it answered from when it last lacked state. */
  readonly lackedInc: number | undefined
  /** It vouched that this incarnation lacked state when the token's history began (AnswerFields.fresh). */
  readonly vouched: boolean
}

/** How recovery ended: the state to resume with, and who lacked state if this was the token's first start. */
export interface RecoveryOutcome {
  readonly state: Versioned
  /**
   * Set when the token's history begins here (every replica heard lacked state, or a write quorum did): the
   * replicas that lacked it, by the incarnation they answered from. This replica vouches for them (see fresh).
   */
  readonly genesis?: ReadonlyMap<NodeId, number>
}

/** Recovery queries whose answers still count: older ones are forgotten (bounded; a retry asks again). */
const MAX_OPEN_QUERIES = 16
/**
 * Asking on its own, a replica waits twice as long after each unanswered query, up to this many retry periods. A
 * node starting without the state of 10^5 tokens sends two queries per token per period: at a fixed period the
 * retries outran the answers (each token's answers arrived after its open queries were forgotten, so none
 * recovered until the idle asking stopped). Asking on demand keeps its short period, and a peer that comes up
 * is asked at once (askAgain).
 */
const MAX_IDLE_BACKOFF = 8

/**
 * A replica that started without its earlier incarnation's state (memory persistence, or a new data dir) must not
 * answer as a replica or count in any quorum with that empty copy: an acknowledged write may live on it and on too
 * few others. It recovers per token by querying every other replica, and becomes ready with the newest state any
 * of them reported (ready or not: a newer value is never harmful to take) once either
 * - every other replica answered: each drops our earlier incarnation's acks from its open rounds when it first
 *   hears the new one, so whatever a round completed with our lost ack, its coordinator (a replica) already held
 *   and reported; or
 * - n - w + 1 ready others answered queries sent after `settleMs`: by then every round that counted an ack of
 *   ours has ended, so each completed value sits on a write quorum, and at least w - 1 of its members are others,
 *   which any n - w + 1 others meet.
 * - a write quorum of the replicas (this one included) lacked state while this one did, after the settle time
 *   (one that has since recovered counts too: it started after us, and its answer now carries what it recovered).
 *   The fault model allows fewer than a write quorum without state at once once a token has served, so this is a
 *   first start (a new cluster, one node still down): without it a cluster could not start with a replica down.
 *   A majority losing its state at once is outside the model; then the token starts over from what the
 *   survivors that answered hold.
 * A replica that began the token's history that way vouches, in its answers, for each replica it saw without state
 * then (`fresh`, for that incarnation only): such a replica has been recovering ever since, so it acknowledged
 * nothing, and may join at once (a first start whose replica went silent mid-exchange would otherwise stall it).
 * Until then the token cannot be served with this replica's vote; when too few others are ready, it stays so
 * (never a stale value), and the node reports the token as recovering.
 */
export class ReplicaRecovery {
  private readonly answers = new Map<NodeId, Answer>()
  private readonly open = new Map<number, number>()
  private lastQueryMs = -Infinity
  /** The current spacing of idle queries, in retry periods: 1, 2, 4, ... MAX_IDLE_BACKOFF. */
  private idleBackoff = 1
  /** A peer came up since the last query: the next poll asks, whatever the spacing and however late. */
  private askNow = false

  constructor(
    private readonly host: RecoveryHost,
    private readonly timing: RecoveryTiming,
  ) {}

  /**
   * Asks (again) when due: on its own every `retryMs` for three settle times, and on `demand` (a client operation,
   * or another replica asking this one) after that too, so a token that cannot recover costs nothing while nobody
   * uses it.
   */
  poll(out: Outbox, demand: boolean): void {
    const nowMs = this.host.nowMs()
    // Idle asking goes on for three settle times (peers of a cluster starting up may take that long to come up).
    const idleUntilMs = this.host.startedMs() + 3 * this.timing.settleMs
    const settledMs = this.settledAtMs()
    // On demand (someone waits for this replica) it asks again soon, but never more than ten times per retry;
    // idle, it backs off, except that it asks once at the settle time (answers to later queries count more).
    const spacingMs = demand ? this.timing.retryMs / 10 : this.timing.retryMs * this.idleBackoff
    const settling = this.lastQueryMs < settledMs && nowMs >= settledMs
    const due = (nowMs >= this.lastQueryMs + spacingMs || settling) && (demand || nowMs <= idleUntilMs)
    if (!due && !this.askNow) return
    this.askNow = false
    const reqId = this.host.nextReqId()
    this.open.set(reqId, nowMs)
    if (this.open.size > MAX_OPEN_QUERIES) this.open.delete(this.open.keys().next().value!)
    this.host.broadcast({ type: 'query', reqId, token: this.host.token, recover: true }, out)
    this.lastQueryMs = nowMs
    if (!demand) this.idleBackoff = Math.min(MAX_IDLE_BACKOFF, this.idleBackoff * 2)
    const nextMs = nowMs + this.timing.retryMs * this.idleBackoff
    if (nextMs <= idleUntilMs) this.host.wakeAt(nowMs < settledMs ? Math.min(nextMs, settledMs) : nextMs)
  }

  /**
   * A peer came up (see RegisterNode): what was asked of it while it was down is lost, so the next poll asks at
   * once and the back-off starts over. True: the caller should poll soon.
   */
  askAgain(): boolean {
    this.idleBackoff = 1
    this.askNow = true
    return true
  }

  /** An answer to one of our recovery queries: consumed (true) when it is one. */
  onAnswer(
    from: NodeId,
    reqId: number,
    state: Versioned,
    ready: boolean,
    inc: number | undefined,
    fresh: boolean,
  ): boolean {
    const sentMs = this.open.get(reqId)
    if (sentMs === undefined) return false
    const known = this.answers.get(from)
    const best = known === undefined ? state : newest(known.state, state)
    const settledReady = (known?.settledReady ?? false) || (ready && sentMs >= this.settledAtMs())
    this.answers.set(from, {
      ready,
      state: best,
      settledReady,
      lacked: (known?.lacked ?? false) || !ready,
      lackedInc: ready ? known?.lackedInc : inc,
      vouched: (known?.vouched ?? false) || (ready && fresh),
    })
    return true
  }

  /** How recovery may end now; undefined while it may not. */
  outcome(own: Versioned): RecoveryOutcome | undefined {
    const others = this.host.replicas.length - 1
    let settledReady = 0
    let lacking = 1
    let ready = 0
    let vouched = false
    let best = own
    for (const answer of this.answers.values()) {
      best = newest(best, answer.state)
      if (answer.settledReady) settledReady++
      if (answer.lacked) lacking++
      if (answer.ready) ready++
      vouched ||= answer.vouched
    }
    // A replica that saw this very incarnation without state when the token's history began: nothing was lost here.
    if (vouched) return { state: best }
    // n - w + 1 others meet every write quorum less this replica: each holds what a write quorum acknowledged.
    const readyNeeded = this.host.replicas.length - this.host.writeQuorum + 1
    if (this.answers.size >= others) return ready === 0 ? { state: best, genesis: this.lackingIncs() } : { state: best }
    if (settledReady >= readyNeeded) return { state: best }
    // A write quorum without state (this one included) can only be a first start: see the class comment.
    if (this.host.nowMs() >= this.settledAtMs() && lacking >= this.host.writeQuorum)
      return { state: best, genesis: this.lackingIncs() }
    return undefined
  }

  private lackingIncs(): Map<NodeId, number> {
    const lacking = new Map<NodeId, number>()
    for (const [node, answer] of this.answers) if (answer.lackedInc !== undefined) lacking.set(node, answer.lackedInc)
    return lacking
  }

  /** For status and errors: how many others answered, how many of them ready, out of how many. */
  progress(): { answered: number; ready: number; others: number } {
    let ready = 0
    for (const answer of this.answers.values()) if (answer.ready) ready++
    return { answered: this.answers.size, ready, others: this.host.replicas.filter((r) => r !== this.host.self).length }
  }

  private settledAtMs(): number {
    return this.host.startedMs() + this.timing.settleMs
  }
}
