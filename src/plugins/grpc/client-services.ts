import type * as grpc from '@grpc/grpc-js'
import { Metadata } from '@grpc/grpc-js'
import { InvalidArgumentError, NotFoundError } from '../../core/errors.js'
import type { NodeDriver } from '../../core/node/node-driver.js'
import type { ClientOp, OpResult } from '../../core/protocol/operations.js'
import type { ReplicationScheme } from '../../core/scheme/replication-scheme.js'
import { callerTrace, TRACE_ID_TRAILER } from './caller-trace.js'
import type { NodeLogger } from './node-logger.js'
import { RequestLog, type RequestLogView } from './request-log.js'
import { loadTokenManagerPackage } from './proto.js'
import { toServiceError } from './status-codes.js'
import { INVALID_UTF8, withStrictUtf8 } from './strict-utf8.js'
import { type ReadReplyFields, type TokenRequest, withFastCodec, type WriteReplyFields } from './token-service-codec.js'
import { recentOperationsReply, traceSpansReply } from './trace-services.js'
import { u64, valueToWire, versionToWire } from './wire-codec.js'

type Request = {
  id?: string
  name?: string
  low?: string
  mid?: string
  high?: string
  after_ms?: string
  trace_id?: string
  limit?: number
  [INVALID_UTF8]?: true
}

/** Longest accepted id: scheme ids have at most 128 characters, and error details quote the id in a trailer. */
export const MAX_ID_LENGTH = 256
/** Latest accepted scheduled silence: later ones are surely a mistake, and the node clock stays exact. */
export const MAX_SILENCE_AFTER_MS = 365 * 24 * 3600 * 1000

/** TokenService and AdminService of one node, answering through its NodeDriver. */
export class ClientServices {
  private readonly requests: RequestLog
  private readonly logView: RequestLogView

  constructor(
    private readonly driver: NodeDriver,
    private readonly scheme: ReplicationScheme,
    private readonly fingerprint: string,
    logger: NodeLogger,
    private readonly onSilence: (token: string, atMs: number) => void = () => {},
  ) {
    this.requests = new RequestLog(logger)
    // The node's tokens are fixed by the scheme: listed once, not per request.
    this.logView = { tokens: driver.node.tokens(), status: (id) => driver.node.statusOf(id) }
  }

  register(add: (service: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) => void): void {
    const pkg = loadTokenManagerPackage()
    add(withFastCodec(withStrictUtf8(pkg.TokenService.service)), {
      Create: this.unary(
        () => ({ type: 'create' }),
        (id, res) => ({ id, version: versionToWire(res.ts), served_by: this.driver.self }),
      ),
      Drop: this.unary(
        () => ({ type: 'drop' }),
        (id, res) => ({ id, version: versionToWire(res.ts), served_by: this.driver.self }),
      ),
      // Read and Write requests come from the hand-written decoder, with uint64 already bigint.
      Write: this.unary(
        (r) => {
          const w = r as unknown as TokenRequest
          return { type: 'write', name: w.name, low: w.low, mid: w.mid, high: w.high }
        },
        (id, res) => this.writeReply(id, res),
      ),
      Read: this.unary(
        () => ({ type: 'read' }),
        (id, res) => this.readReply(id, res),
      ),
      TraceSpans: this.query((request) => traceSpansReply(this.driver, request)),
    })
    add(withStrictUtf8(pkg.AdminService.service), {
      FailSilent: (call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        try {
          const id = requireId(call.request)
          if (this.scheme.get(id) === undefined) throw new NotFoundError(`token ${id} is not in the replication scheme`)
          const afterMs = u64(call.request.after_ms, 'after_ms')
          if (afterMs > BigInt(MAX_SILENCE_AFTER_MS))
            throw new InvalidArgumentError(`after_ms exceeds ${MAX_SILENCE_AFTER_MS} (one year)`)
          const atMs = this.driver.silenceAfter(id, Number(afterMs))
          this.onSilence(id, atMs)
          this.requests.adminWarning('fail-silent scheduled', {
            node: this.driver.self,
            token: id,
            atMs: Math.round(atMs),
          })
          callback(null, { node: this.driver.self, id, at_ms: String(Math.round(atMs)) })
        } catch (error) {
          callback(toServiceError(error))
        }
      },
      Status: (_call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        callback(null, this.statusReply())
      },
      RecentOperations: this.query((request) => recentOperationsReply(this.driver, request)),
    })
  }

  /** A read-only call answered at once from the node's books; a bad request gets its typed error. */
  private query(answer: (request: Request) => object) {
    return (call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>): void => {
      try {
        if (call.request[INVALID_UTF8]) throw new InvalidArgumentError('request strings must be valid UTF-8')
        callback(null, answer(call.request))
      } catch (error) {
        callback(toServiceError(error))
      }
    }
  }

  private unary(toOp: (r: Request) => ClientOp, toReply: (id: string, result: OpResult) => object) {
    return (call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>): void => {
      let opId: number | undefined
      let answered = false
      // grpc-js emits 'cancelled' when the stream closes, after every call too: only a call still running is
      // cancelled. An op id rather than an AbortController per call: a signal and its listener cost a measurable
      // share of a read's CPU.
      call.on('cancelled', () => {
        if (!answered && opId !== undefined) this.driver.cancel(opId)
      })
      let id = ''
      const fail = (error: unknown): void => {
        answered = true
        callback(toServiceError(error))
        this.dump(call, id, error)
      }
      try {
        id = requireId(call.request)
        const trace = callerTrace(call.metadata)
        // The callback form: no promise and no microtask hops between the driver and the reply.
        opId = this.driver.submit(id, toOp(call.request), { timeoutMs: timeoutOf(call), trace }, (error, result) => {
          if (error !== undefined) return fail(error)
          let reply: object
          try {
            reply = toReply(id, result!)
          } catch (failure) {
            return fail(failure)
          }
          answered = true
          callback(null, reply, trace?.sampled === true ? traceTrailer(trace.traceId) : undefined)
          this.dump(call, id)
        })
      } catch (error) {
        fail(error)
      }
    }
  }

  private writeReply(id: string, result: OpResult): WriteReplyFields {
    if (result.type !== 'write') throw new Error('write expected')
    return { id, partial: result.token.partial, ts: result.ts, servedBy: this.driver.self }
  }

  private readReply(id: string, result: OpResult): ReadReplyFields {
    if (result.type !== 'read') throw new Error('read expected')
    const entry = this.scheme.get(id)!
    return {
      id,
      ts: result.ts,
      value: result.value,
      writer: entry.writer,
      readers: entry.readers,
      servedBy: this.driver.self,
    }
  }

  statusReply(): object {
    const tokens = this.driver.status().map((s) => {
      const entry = this.scheme.get(s.token)!
      return {
        id: s.token,
        roles: s.roles,
        silent: s.silent,
        pending: s.pending,
        replicas: s.replicas,
        read_quorum: s.readQuorum,
        write_quorum: s.writeQuorum,
        writer: entry.writer,
        readers: entry.readers,
        ...(s.recovering && { recovering: s.recovering }),
        state: s.state ? { version: versionToWire(s.state.ts), value: valueToWire(s.state.value) } : undefined,
        committed: s.committed,
        final_computed: s.finalComputed,
        lease_holders: [...(s.leaseHolders ?? [])].map(([node, ms]) => ({ node, remaining_ms: wholeMs(ms) })),
        lease_held: s.leaseRemainingMs !== undefined,
        lease_remaining_ms: wholeMs(s.leaseRemainingMs ?? 0),
        operations: String(s.operations),
      }
    })
    return {
      node: this.driver.self,
      tokens,
      scheme_fingerprint: this.fingerprint,
      ignored_replies: String(this.driver.node.ignoredReplies),
    }
  }

  /** Reports the log lines the per-RPC log suppressed so far; call when the node stops. */
  flushLog(): void {
    this.requests.flush()
  }

  /** The per-RPC dump: the token's full state on this node and the ids of all its tokens, one line (bounded). */
  private dump(call: grpc.ServerUnaryCall<Request, unknown>, id: string, error?: unknown): void {
    const method = call.getPath().split('/').pop() ?? ''
    this.requests.request(method, id, this.logView, error)
  }
}

/** A recorded operation's reply names its trace, for a caller that asked with `tm-trace: 1` and no context. */
function traceTrailer(traceId: string): grpc.Metadata {
  const trailer = new Metadata()
  trailer.set(TRACE_ID_TRAILER, traceId)
  return trailer
}

function requireId(request: Request): string {
  if (request[INVALID_UTF8]) throw new InvalidArgumentError('request strings must be valid UTF-8')
  if (!request.id) throw new InvalidArgumentError('id is required')
  if (request.id.length > MAX_ID_LENGTH) throw new InvalidArgumentError(`id longer than ${MAX_ID_LENGTH} characters`)
  return request.id
}

/** A duration for a uint64 field: whole ms, rounded up so a lease still held never reads as 0. */
function wholeMs(ms: number): string {
  return String(Math.ceil(ms))
}

/** The caller's deadline as a timeout; the node caps it with its own operation timeout. */
function timeoutOf(call: grpc.ServerUnaryCall<Request, unknown>): number {
  const deadline = call.getDeadline()
  const atMs = deadline instanceof Date ? deadline.getTime() : Number(deadline)
  return Number.isFinite(atMs) ? Math.max(1, atMs - Date.now()) : Number.MAX_SAFE_INTEGER
}
