import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { ERROR_CODES } from '../../core/errors.js'
import type { Metrics, NodeGauges, OperationType } from '../../core/ports/metrics.js'
import type { RoundEvent } from '../../core/protocol/outbox.js'
import type { SyncEvent } from '../../core/ports/persistence.js'
import { LabelSet } from './label-set.js'

/** 0.1 ms .. 10 s: a local hash or in-process round is sub-millisecond, a timed-out operation takes seconds. */
const DURATION_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]
/** Weight of the newest job in the hash rate: about the last five jobs dominate it. */
const HASH_RATE_WEIGHT = 0.2
/** 1 .. 4096: the group commit's default bound on entries per write. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]
const OPERATION_TYPES: readonly OperationType[] = ['write', 'read', 'create', 'drop']
const OUTCOMES = ['ok', ...ERROR_CODES]
const PHASES: readonly RoundEvent['phase'][] = ['learn', 'write', 'query', 'impose', 'local']
/**
 * Tokens that get series of their own: the first this many of the node's tokens, in scheme order; the rest are
 * counted under `_other`. Each labelled token adds about seven series (operations by type and outcome, rounds by
 * phase), so 1000 tokens stay under the ~10^4 series per target that Prometheus handles well and a scrape stays
 * near a megabyte; at 10^5 tokens every token labelled would be 700,000 series, hundreds of MB in the node.
 */
export const MAX_TOKEN_LABELS = 1000

/**
 * Metrics exported in the Prometheus format, in a registry of its own so that several nodes can live in one
 * process (tests) without sharing series. Every recording method swallows errors: metrics never break a node.
 * Every label takes its value from a closed set (the scheme's token ids, at most MAX_TOKEN_LABELS of them, the
 * operation types, the error codes), so the number of series is bounded whatever clients send; see LabelSet.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry()
  private gauges: (() => NodeGauges) | undefined
  private readonly operations: Counter<'type' | 'token' | 'outcome'>
  private readonly operationDuration: Histogram<'type' | 'outcome'>
  private readonly rounds: Counter<'phase' | 'token'>
  private readonly roundDuration: Histogram<'phase'>
  private readonly hashes: Counter
  private readonly hashDuration: Histogram
  private hashRatePerSecond: number | undefined
  private readonly syncDuration: Histogram
  private readonly syncEntries: Histogram
  private readonly syncSaves: Histogram
  private readonly tokens: LabelSet
  private readonly types = new LabelSet(OPERATION_TYPES)
  private readonly outcomes = new LabelSet(OUTCOMES)
  private readonly phases = new LabelSet(PHASES)

  /** @param tokens the node's token ids in scheme order: the first MAX_TOKEN_LABELS are the `token` label's values. */
  constructor(
    readonly node: string,
    tokens: Iterable<string>,
  ) {
    this.tokens = new LabelSet(firstOf(tokens, MAX_TOKEN_LABELS))
    const registers = [this.registry]
    this.registry.setDefaultLabels({ node })
    this.operations = new Counter({
      name: 'tm_operations_total',
      help: 'Client operations answered at this node',
      labelNames: ['type', 'token', 'outcome'],
      registers,
    })
    this.operationDuration = new Histogram({
      name: 'tm_operation_duration_seconds',
      help: 'Client operation latency',
      labelNames: ['type', 'outcome'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    })
    this.rounds = new Counter({
      name: 'tm_quorum_rounds_total',
      help: 'Quorum rounds that reached their quorum',
      labelNames: ['phase', 'token'],
      registers,
    })
    this.roundDuration = new Histogram({
      name: 'tm_quorum_round_duration_seconds',
      help: 'Time from sending a quorum round to reaching its quorum, per phase',
      labelNames: ['phase'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    })
    this.hashes = new Counter({ name: 'tm_hashes_total', help: 'Values hashed', registers })
    this.hashDuration = new Histogram({
      name: 'tm_hash_duration_seconds',
      help: 'Duration of one hash job',
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    })
    this.syncDuration = new Histogram({
      name: 'tm_persist_sync_duration_seconds',
      registers,
      help: 'Duration of one synced write of the data dir (a group commit)',
      buckets: DURATION_BUCKETS_SECONDS,
    })
    this.syncEntries = new Histogram({
      name: 'tm_persist_batch_entries',
      registers,
      help: 'Token entries written by one synced write (after merging saves of the same token)',
      buckets: BATCH_BUCKETS,
    })
    this.syncSaves = new Histogram({
      name: 'tm_persist_batch_saves',
      registers,
      help: 'Protocol steps whose saves one synced write carried',
      buckets: BATCH_BUCKETS,
    })
    const metrics = this
    new Gauge({
      name: 'tm_hash_rate',
      registers,
      help: `Hashes per second, exponentially weighted over jobs (newest job weighs ${HASH_RATE_WEIGHT}); 0 before any`,
      collect() {
        if (metrics.hashRatePerSecond !== undefined) this.set(metrics.hashRatePerSecond)
      },
    })
    this.watched('tm_parked_requests', 'Requests parked until their token is known', (g) => g.parkedRequests)
    this.watched('tm_pending_operations', 'Operations accepted and not yet answered', (g) => g.pendingOperations)
    this.watched('tm_silent_tokens', 'Tokens this node has gone fail-silent for', (g) => g.silentTokens)
    this.watched(
      'tm_recovering_tokens',
      'Tokens whose replica here lost its state in a restart and has not recovered it yet',
      (g) => g.recoveringTokens,
    )
    this.ignoredReplies()
    collectDefaultMetrics({ register: this.registry })
  }

  operationDone(type: OperationType, token: string, outcome: string, durationMs: number): void {
    safely(() => {
      const typeLabel = this.types.of(type)
      const outcomeLabel = this.outcomes.of(outcome)
      this.operations.inc({ type: typeLabel, token: this.tokens.of(token), outcome: outcomeLabel })
      this.operationDuration.observe({ type: typeLabel, outcome: outcomeLabel }, secondsOf(durationMs))
    })
  }

  roundDone(event: RoundEvent): void {
    safely(() => {
      const phase = this.phases.of(event.phase)
      this.rounds.inc({ phase, token: this.tokens.of(event.token) })
      this.roundDuration.observe({ phase }, secondsOf(event.durationMs))
    })
  }

  hashed(values: number, durationMs: number): void {
    safely(() => {
      if (!(values > 0)) return
      this.hashes.inc(values)
      this.hashDuration.observe(secondsOf(durationMs))
      // A job too short to time says nothing about the rate.
      if (!(durationMs > 0)) return
      const rate = values / secondsOf(durationMs)
      const previous = this.hashRatePerSecond
      this.hashRatePerSecond = previous === undefined ? rate : previous + HASH_RATE_WEIGHT * (rate - previous)
    })
  }

  synced(event: SyncEvent): void {
    safely(() => {
      this.syncDuration.observe(secondsOf(event.syncMs))
      this.syncEntries.observe(event.entries)
      this.syncSaves.observe(event.saves)
    })
  }

  watch(gauges: () => NodeGauges): void {
    this.gauges = gauges
  }

  async text(): Promise<string> {
    return this.registry.metrics()
  }

  /** Read at scrape time; a failing callback keeps the last value rather than failing the scrape. */
  private read(): NodeGauges | undefined {
    try {
      return this.gauges?.()
    } catch {
      return undefined
    }
  }

  private watched(name: string, help: string, pick: (gauges: NodeGauges) => number): void {
    const metrics = this
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const gauges = metrics.read()
        if (gauges !== undefined) this.set(pick(gauges))
      },
    })
  }

  /** A counter, as the node's count only grows; set from the node's own cumulative total at each scrape. */
  private ignoredReplies(): void {
    const metrics = this
    new Counter({
      name: 'tm_ignored_replies_total',
      help: 'Replies ignored as stale, duplicate or unexpected',
      registers: [this.registry],
      collect() {
        const gauges = metrics.read()
        if (gauges === undefined || !(gauges.ignoredReplies >= 0)) return
        this.reset()
        this.inc(gauges.ignoredReplies)
      },
    })
  }
}

function firstOf(values: Iterable<string>, count: number): string[] {
  const first: string[] = []
  for (const value of values) {
    if (first.length >= count) break
    first.push(value)
  }
  return first
}

function secondsOf(durationMs: number): number {
  return Number.isFinite(durationMs) && durationMs > 0 ? durationMs / 1000 : 0
}

function safely(record: () => void): void {
  try {
    record()
  } catch {
    // Metrics are best effort: a bad observation must not reach the driver's hot path.
  }
}
