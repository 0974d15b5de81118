import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js'
import type { RegisterOp, RegisterResult } from '../core/checker/history.js'
import type { ReplicationScheme, TokenScheme } from '../core/scheme/replication-scheme.js'
import { type SchemeSource, schemeOf } from '../plugins/yaml-config/scheme-file.js'
import { fromServiceError } from '../plugins/grpc/status-codes.js'
import {
  AlreadyExistsError,
  DeadlineExceededError,
  InvalidArgumentError,
  NotFoundError,
  OutcomeUnknownError,
  TokenManagerError,
  UnavailableError,
  WrongNodeForTokenError,
} from './client-errors.js'
import { type HistoryRecord, registerValue } from './history-records.js'
import { type ClientSecurity, NodeChannels } from './node-channels.js'
import { readerOrder } from './reader-order.js'
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

/** A call that ended like this may have reached the node and taken effect there. */
const UNANSWERED: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.CANCELLED,
])

export type ClientOptions = ClientSecurity & {
  /** The replication scheme: a file (YAML), entries, or a loaded scheme. */
  readonly scheme: SchemeSource
  /** Default deadline of one operation, failover included (5000). */
  readonly timeoutMs?: number
  /** Deadline of one read attempt before it fails over to another reader (1000, never more than what is left). */
  readonly readAttemptMs?: number
  /** Told of every operation as tm-check history records: `invoke`, then `ok`, `failed` or `unknown`. */
  readonly onHistory?: (record: HistoryRecord) => void
  /** Names this client's operations in history records (default: random per client). */
  readonly clientId?: string
  readonly random?: () => number
}

export interface CallOptions {
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/**
 * A client of a token manager cluster: writes, creates and drops go to the token's writer, reads to a random
 * reader with failover to the others when one does not answer. uint64 fields are `bigint`; failures are typed
 * (client-errors.ts). One channel per node, opened on first use; call close() when done.
 */
export class TokenManagerClient {
  readonly scheme: ReplicationScheme
  private readonly channels: NodeChannels
  private readonly clientId: string
  private readonly nodes: ReadonlySet<string>
  private operations = 0

  constructor(private readonly options: ClientOptions) {
    if (options.tls === undefined && options.insecure !== true) {
      throw new InvalidArgumentError('say how to reach the nodes: tls (the cluster CA) or insecure: true')
    }
    this.scheme = schemeOf(options.scheme)
    this.nodes = new Set(this.scheme.nodes())
    this.channels = new NodeChannels(options)
    this.clientId = options.clientId ?? `lib-${Math.random().toString(36).slice(2, 10)}`
  }

  write(id: string, value: TokenWrite, call: CallOptions = {}): Promise<WriteResult> {
    const request = { id, name: value.name, low: String(value.low), mid: String(value.mid), high: String(value.high) }
    const op: RegisterOp = {
      kind: 'write',
      value: registerValue({
        name: value.name,
        low: String(value.low),
        mid: String(value.mid),
        high: String(value.high),
      }),
    }
    return this.recorded(
      id,
      op,
      () => this.atWriter<WireWriteReply>(id, 'Write', request, call),
      () => ({ kind: 'ok' }),
    ).then(writeResult)
  }

  create(id: string, call: CallOptions = {}): Promise<LifecycleResult> {
    return this.recorded(
      id,
      { kind: 'create' },
      () => this.atWriter<WireLifecycleReply>(id, 'Create', { id }, call),
      () => ({ kind: 'ok' }),
    ).then(lifecycleResult)
  }

  drop(id: string, call: CallOptions = {}): Promise<LifecycleResult> {
    return this.recorded(
      id,
      { kind: 'drop' },
      () => this.atWriter<WireLifecycleReply>(id, 'Drop', { id }, call),
      () => ({ kind: 'ok' }),
    ).then(lifecycleResult)
  }

  read(id: string, call: CallOptions = {}): Promise<ReadResult> {
    return this.recorded(id, { kind: 'read' }, () => this.atReaders(id, call), readValue).then(readResult)
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
    method: 'Status' | 'FailSilent',
    request: object,
    call: CallOptions,
  ): Promise<Reply> {
    // Only the scheme's nodes: the client keeps a channel per node it calls, so their number stays bounded.
    if (!this.nodes.has(node)) {
      return Promise.reject(new InvalidArgumentError(`${node} is not a node of this client's replication scheme`))
    }
    return this.channels
      .call<Reply>(node, 'AdminService', method, request, call.timeoutMs ?? this.timeoutMs, call.signal)
      .catch((error: unknown) => {
        throw this.failure(error, node, [node], false)
      })
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 5_000
  }

  private entry(id: string): TokenScheme {
    const entry = this.scheme.get(id)
    if (entry === undefined) throw new NotFoundError(`token ${id} is not in this client's replication scheme`)
    return entry
  }

  private async atWriter<Reply>(id: string, method: string, request: object, call: CallOptions): Promise<Reply> {
    const writer = this.entry(id).writer
    try {
      return await this.channels.call<Reply>(
        writer,
        'TokenService',
        method,
        request,
        call.timeoutMs ?? this.timeoutMs,
        call.signal,
      )
    } catch (error) {
      throw this.failure(error, writer, [writer], true)
    }
  }

  /** Readers in random order, each tried once while time is left; only "no answer" moves on to the next. */
  private async atReaders(id: string, call: CallOptions): Promise<WireReadReply> {
    const readers = readerOrder(this.entry(id).readers, this.options.random)
    const deadlineMs = Date.now() + (call.timeoutMs ?? this.timeoutMs)
    const noAnswers: string[] = []
    for (const reader of readers) {
      const leftMs = deadlineMs - Date.now()
      if (leftMs <= 0) break
      try {
        const attemptMs = Math.min(leftMs, this.options.readAttemptMs ?? 1_000)
        return await this.channels.call<WireReadReply>(reader, 'TokenService', 'Read', { id }, attemptMs, call.signal)
      } catch (error) {
        const failure = this.failure(error, reader, readers, false)
        if (!(failure instanceof UnavailableError || failure instanceof DeadlineExceededError) || call.signal?.aborted)
          throw failure
        noAnswers.push(failure.message)
      }
    }
    throw new UnavailableError(`read of token ${id}: no reader answered (${noAnswers.join('; ') || 'no time left'})`)
  }

  /** A gRPC failure as a typed error naming the node. A write sent but not answered has an unknown outcome. */
  private failure(error: unknown, node: string, expected: readonly string[], mutates: boolean): Error {
    const e = error as ServiceError
    const details = `${node}: ${e.details || e.message || String(error)}`
    if (e.code === GrpcStatus.FAILED_PRECONDITION) {
      return new WrongNodeForTokenError(`${details} (by this client's scheme: ${expected.join(', ')})`, node, expected)
    }
    const neverSent = e.code === GrpcStatus.UNAVAILABLE && (e.details ?? '').startsWith('No connection established')
    if (mutates && !neverSent && UNANSWERED.has(e.code)) {
      return new OutcomeUnknownError(`outcome unknown: ${details}`, node, { cause: error })
    }
    // The node's own codes map back to the core's typed errors; anything else (UNAUTHENTICATED, INTERNAL, ...)
    // means the node could not serve the call.
    const typed = fromServiceError({ ...e, details })
    return typed instanceof TokenManagerError ? typed : new UnavailableError(details)
  }

  private async recorded<T>(
    token: string,
    op: RegisterOp,
    run: () => Promise<T>,
    resultOf: (reply: T) => RegisterResult,
  ): Promise<T> {
    // A token outside the scheme is refused here, before anything is recorded or sent.
    this.entry(token)
    const hook = this.options.onHistory
    if (hook === undefined) return run()
    const base = { id: `${this.clientId}-${++this.operations}`, client: this.clientId, token }
    hook({ type: 'invoke', ...base, op, timeMs: Date.now() })
    try {
      const reply = await run()
      hook({ type: 'ok', ...base, result: resultOf(reply), timeMs: Date.now() })
      return reply
    } catch (error) {
      hook({ ...historyOfError(op, error), ...base, timeMs: Date.now() })
      throw error
    }
  }
}

function readValue(reply: WireReadReply): RegisterResult {
  if (!reply.written) return { kind: 'empty' }
  return { kind: 'value', value: `${reply.name}|${reply.low}|${reply.mid}|${reply.high}` }
}

/** How a failed operation enters the history: semantic answers are results, a read had no effect, a write may have. */
function historyOfError(
  op: RegisterOp,
  error: unknown,
): { type: 'ok'; result: RegisterResult } | { type: 'failed' | 'unknown'; error: string } {
  if (error instanceof NotFoundError) return { type: 'ok', result: { kind: 'not-found' } }
  if (error instanceof AlreadyExistsError) return { type: 'ok', result: { kind: 'already-exists' } }
  const message = error instanceof Error ? error.message : String(error)
  return { type: op.kind === 'read' || !(error instanceof OutcomeUnknownError) ? 'failed' : 'unknown', error: message }
}
