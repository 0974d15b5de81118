import type { RegisterOp, RegisterResult } from '../core/checker/history.js'
import type { ReplicationScheme } from '../core/scheme/replication-scheme.js'
import { type SchemeSource, schemeOf } from '../plugins/yaml-config/scheme-file.js'
import { errorOfCall } from './call-errors.js'
import { InvalidArgumentError, NotFoundError } from './client-errors.js'
import { HistoryHook, readValue } from './history-hook.js'
import { type HistoryRecord, registerValue } from './history-records.js'
import { type ClientSecurity, NodeChannels, type ReconnectBackoff } from './node-channels.js'
import { readWithFailover } from './reader-failover.js'
import { readerOrder } from './reader-order.js'
import { type CallTrace, callTrace, rethrowTraced, withTraceId } from './call-trace.js'
import {
  type RecentOperation,
  recentOperations,
  type TraceSpan,
  traceSpan,
  type WireRecentOperationsReply,
  type WireTraceSpansReply,
} from './trace-results.js'
import {
  type LifecycleResult,
  lifecycleResult,
  type ReadResult,
  readResult,
  type TokenWrite,
  type WireLifecycleReply,
  type WireReadReply,
  type WireWriteReply,
  type WriteResult,
  writeResult,
} from './wire-results.js'
import {
  type FailSilentResult,
  nodeStatus,
  type NodeStatus,
  type WireFailSilentReply,
  type WireStatusReply,
} from './admin-results.js'

export type ClientOptions = ClientSecurity & {
  /** The replication scheme: a file (YAML), entries, or a loaded scheme. Without it every call names its node. */
  readonly scheme?: SchemeSource
  /** Further nodes calls may name (`CallOptions.node`), beyond the scheme's: e.g. a node list without a scheme. */
  readonly nodes?: readonly string[]
  /** Default deadline of one operation, failover included (5000). */
  readonly timeoutMs?: number
  /** Deadline of one read attempt before it fails over to another reader (1000, never more than what is left). */
  readonly readAttemptMs?: number
  /** Told of every operation as tm-check history records: `invoke`, then `ok`, `failed` or `unknown`. */
  readonly onHistory?: (record: HistoryRecord) => void
  /** Names this client's operations in history records (default: random per client). */
  readonly clientId?: string
  /** The clock of history records, in ms (Date.now): clients recording into one history must share one clock. */
  readonly historyClock?: () => number
  readonly random?: () => number
  /** How fast channels reconnect to a node that went away ({ initialMs: 250, maxMs: 5000 }). */
  readonly reconnect?: ReconnectBackoff
}

export interface CallOptions {
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
  /**
   * Ask exactly this node (one of the scheme's or of `ClientOptions.nodes`) instead of the one the scheme picks:
   * a read then asks it alone, without failover.
   */
  readonly node?: string
  /**
   * Record this operation's spans on every node it touches (a sampled W3C traceparent goes with it): the result
   * then carries `traceId`, and `traceSpans(node, traceId)` fetches each node's spans, no collector needed.
   */
  readonly trace?: boolean
}

/** What a node keeps of one trace, or why it could not be asked. */
export type NodeTraceSpans =
  | { readonly node: string; readonly ok: true; readonly spans: readonly TraceSpan[] }
  | { readonly node: string; readonly ok: false; readonly error: Error }

export interface ReadOptions extends CallOptions {
  /** Try other readers when one does not answer (true). */
  readonly failover?: boolean
  /** Deadline of each attempt (ClientOptions.readAttemptMs). */
  readonly attemptMs?: number
  /** Told before each failover: why the last reader gave no answer, and which reader is next. */
  readonly onRetry?: (failure: Error, next: string) => void
  /** The source of this read's random reader order (ClientOptions.random). */
  readonly random?: () => number
}

/**
 * A client of a token manager cluster: writes, creates and drops go to the token's writer, reads to a random
 * reader with failover to the others when one does not answer. uint64 fields are `bigint`; failures are typed
 * (client-errors.ts) and callFailureOf(error) says how the call ended. One channel per node, opened on first use;
 * call close() when done.
 */
export class TokenManagerClient {
  /** The client's scheme; undefined for a client built from a node list only. */
  readonly scheme: ReplicationScheme | undefined
  private readonly channels: NodeChannels
  private readonly history: HistoryHook | undefined
  private readonly nodes: ReadonlySet<string>

  constructor(private readonly options: ClientOptions) {
    if (options.tls === undefined && options.insecure !== true) {
      throw new InvalidArgumentError('say how to reach the nodes: tls (the cluster CA) or insecure: true')
    }
    if (options.scheme === undefined && (options.nodes ?? []).length === 0) {
      throw new InvalidArgumentError('give the client a scheme or a list of nodes')
    }
    this.scheme = options.scheme === undefined ? undefined : schemeOf(options.scheme)
    this.nodes = new Set([...(this.scheme?.nodes() ?? []), ...(options.nodes ?? [])])
    this.channels = new NodeChannels(options, options.reconnect)
    const clientId = options.clientId ?? `lib-${Math.random().toString(36).slice(2, 10)}`
    this.history =
      options.onHistory === undefined ? undefined : new HistoryHook(options.onHistory, clientId, options.historyClock)
  }

  write(id: string, value: TokenWrite, call: CallOptions = {}): Promise<WriteResult> {
    const fields = { name: value.name, low: String(value.low), mid: String(value.mid), high: String(value.high) }
    const op: RegisterOp = { kind: 'write', value: registerValue(fields) }
    const trace = callTrace(call.trace)
    return this.recorded(
      id,
      op,
      call,
      () => this.atWriter<WireWriteReply>(id, 'write', { id, ...fields }, call, trace),
      () => ({ kind: 'ok' }),
    ).then((reply) => withTraceId(writeResult(reply), trace), rethrowTraced(trace))
  }

  create(id: string, call: CallOptions = {}): Promise<LifecycleResult> {
    const trace = callTrace(call.trace)
    return this.recorded(
      id,
      { kind: 'create' },
      call,
      () => this.atWriter<WireLifecycleReply>(id, 'create', { id }, call, trace),
      () => ({ kind: 'ok' }),
    ).then((reply) => withTraceId(lifecycleResult(reply), trace), rethrowTraced(trace))
  }

  drop(id: string, call: CallOptions = {}): Promise<LifecycleResult> {
    const trace = callTrace(call.trace)
    return this.recorded(
      id,
      { kind: 'drop' },
      call,
      () => this.atWriter<WireLifecycleReply>(id, 'drop', { id }, call, trace),
      () => ({ kind: 'ok' }),
    ).then((reply) => withTraceId(lifecycleResult(reply), trace), rethrowTraced(trace))
  }

  read(id: string, call: ReadOptions = {}): Promise<ReadResult> {
    const trace = callTrace(call.trace)
    return this.recorded(id, { kind: 'read' }, call, () => this.atReaders(id, call, trace), readValue).then(
      (reply) => withTraceId(readResult(reply), trace),
      rethrowTraced(trace),
    )
  }

  /** The spans `node` keeps of one trace (TokenService.TraceSpans: the trace id is the key, no admin needed). */
  async traceSpans(node: string, traceId: string, call: CallOptions = {}): Promise<TraceSpan[]> {
    const timeoutMs = call.timeoutMs ?? this.timeoutMs
    const reply = await this.channels
      .call<WireTraceSpansReply>(this.known(node), 'TokenService', 'TraceSpans', { trace_id: traceId }, timeoutMs)
      .catch((error: unknown) => {
        throw errorOfCall(error, { node, timeoutMs, expected: [node] })
      })
    return reply.spans.map(traceSpan)
  }

  /** One trace's spans from each of `nodes` (e.g. a token's writer and readers): a node that fails says why. */
  traceOf(traceId: string, nodes: readonly string[], call: CallOptions = {}): Promise<NodeTraceSpans[]> {
    return Promise.all(
      nodes.map((node) =>
        this.traceSpans(node, traceId, call).then(
          (spans): NodeTraceSpans => ({ node, ok: true, spans }),
          (error: Error): NodeTraceSpans => ({ node, ok: false, error }),
        ),
      ),
    )
  }

  /**
   * The last client operations `node` coordinated, newest first (AdminService.RecentOperations: a secured cluster
   * wants an admin certificate). `limit` defaults to the node's (100); `token` keeps one token's.
   */
  async recentOperations(
    node: string,
    options: CallOptions & { readonly limit?: number; readonly token?: string } = {},
  ): Promise<RecentOperation[]> {
    const request = { limit: options.limit ?? 0, id: options.token ?? '' }
    return recentOperations(await this.admin<WireRecentOperationsReply>(node, 'RecentOperations', request, options))
  }

  /** Closes every channel; calls in flight fail. */
  close(): void {
    this.channels.close()
  }

  /** What `node` holds of each of its tokens (AdminService.Status; a secured cluster wants an admin certificate). */
  async status(node: string, call: CallOptions = {}): Promise<NodeStatus> {
    return nodeStatus(await this.admin<WireStatusReply>(node, 'Status', {}, call))
  }

  /** Makes `node` crash-stop for token `id`, now or `afterMs` from now: it never answers about that token again. */
  async failSilent(
    node: string,
    id: string,
    options: CallOptions & { readonly afterMs?: number } = {},
  ): Promise<FailSilentResult> {
    const reply = await this.admin<WireFailSilentReply>(
      node,
      'FailSilent',
      { id, after_ms: String(options.afterMs ?? 0) },
      options,
    )
    return { node: reply.node, id: reply.id, atMs: BigInt(reply.at_ms) }
  }

  private admin<Reply>(
    node: string,
    method: 'Status' | 'FailSilent' | 'RecentOperations',
    request: object,
    call: CallOptions,
  ): Promise<Reply> {
    const timeoutMs = call.timeoutMs ?? this.timeoutMs
    return this.channels
      .call<Reply>(this.known(node), 'AdminService', method, request, timeoutMs, call.signal)
      .catch((error: unknown) => {
        throw errorOfCall(error, { node, timeoutMs, expected: [node] })
      })
  }

  /** Only the scheme's nodes and the listed ones: the client keeps a channel per node it calls, so they stay few. */
  private known(node: string): string {
    if (!this.nodes.has(node))
      throw new InvalidArgumentError(`${node} is not a node of this client's replication scheme or node list`)
    return node
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 5_000
  }

  /** The token's writer and readers by the scheme, or the one node the call names. */
  private route(id: string, call: CallOptions): { writer: string; readers: readonly string[]; named: boolean } {
    if (call.node !== undefined) return { writer: this.known(call.node), readers: [call.node], named: true }
    const entry = this.scheme?.get(id)
    if (entry === undefined) {
      const message =
        this.scheme === undefined
          ? `token ${id}: this client has no replication scheme, so a call must name its node`
          : `token ${id} is not in this client's replication scheme`
      throw new NotFoundError(message)
    }
    return { writer: entry.writer, readers: entry.readers, named: false }
  }

  private async atWriter<Reply>(
    id: string,
    mutation: string,
    request: object,
    call: CallOptions,
    trace: CallTrace | undefined,
  ): Promise<Reply> {
    const route = this.route(id, call)
    const timeoutMs = call.timeoutMs ?? this.timeoutMs
    const method = mutation[0]!.toUpperCase() + mutation.slice(1)
    try {
      const { writer } = route
      return await this.channels.call<Reply>(
        writer,
        'TokenService',
        method,
        request,
        timeoutMs,
        call.signal,
        trace?.metadata,
      )
    } catch (error) {
      const expected = this.scheme?.get(id)?.writer
      throw errorOfCall(error, { node: route.writer, timeoutMs, mutation, expected: expected ? [expected] : [] })
    }
  }

  /** Readers in random order, each tried once while time is left; only "no answer" moves on to the next. */
  private atReaders(id: string, call: ReadOptions, trace: CallTrace | undefined): Promise<WireReadReply> {
    const route = this.route(id, call)
    const order = readerOrder(route.readers, call.random ?? this.options.random)
    return readWithFailover(this.channels, {
      id,
      readers: route.named || call.failover === false ? order.slice(0, 1) : order,
      expected: this.scheme?.get(id)?.readers ?? [],
      timeoutMs: call.timeoutMs ?? this.timeoutMs,
      attemptMs: call.attemptMs ?? this.options.readAttemptMs ?? 1_000,
      call,
      metadata: trace?.metadata,
    })
  }

  private async recorded<T>(
    token: string,
    op: RegisterOp,
    call: CallOptions,
    run: () => Promise<T>,
    resultOf: (reply: T) => RegisterResult,
  ): Promise<T> {
    // A token the client cannot route is refused here, before anything is recorded or sent.
    this.route(token, call)
    return this.history === undefined ? run() : this.history.record(token, op, run, resultOf)
  }
}
