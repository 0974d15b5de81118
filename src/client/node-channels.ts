import * as grpc from '@grpc/grpc-js'
import { readFileSync } from 'node:fs'
import { loadTokenManagerPackage } from '../plugins/grpc/proto.js'
import { secureDial, type SecureDial } from '../plugins/tls/secure-dial.js'

/** TLS for the client: the cluster CA, and for admin calls (or mutual TLS) a client certificate and key. PEM text or bytes. */
export interface ClientTls {
  readonly ca: string | Buffer
  readonly cert?: string | Buffer
  readonly key?: string | Buffer
}

/** How fast a channel reconnects to a node that went away: grpc-js's own default grows to two minutes. */
export interface ReconnectBackoff {
  readonly initialMs: number
  readonly maxMs: number
}

const DEFAULT_BACKOFF: ReconnectBackoff = { initialMs: 250, maxMs: 5_000 }

/** Either `tls` or `insecure: true`, as the nodes: a client never falls back to plaintext on its own. */
export type ClientSecurity =
  | { readonly tls: ClientTls; readonly insecure?: false }
  | { readonly insecure: true; readonly tls?: undefined }

/** Reads a PEM given as a path (`file:...` or a path without a PEM header) or as the PEM itself. */
export function pemOf(value: string | Buffer): Buffer {
  if (Buffer.isBuffer(value)) return value
  return value.includes('-----BEGIN') ? Buffer.from(value) : readFileSync(value)
}

type Service = 'TokenService' | 'AdminService'
type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, reply?: unknown) => void,
) => grpc.ClientUnaryCall

/**
 * One gRPC channel per node and service, opened on first use and closed by close(): at most two per node of the
 * scheme. Calls carry their own deadline and may be aborted with an AbortSignal.
 */
export class NodeChannels {
  private readonly clients = new Map<string, grpc.Client>()
  private closed = false

  constructor(
    private readonly security: ClientSecurity,
    private readonly backoff: ReconnectBackoff = DEFAULT_BACKOFF,
  ) {}

  /**
   * One unary call; rejects with the grpc-js ServiceError (callers map it), or with CANCELLED on abort. `metadata`:
   * what the call carries besides (a traceparent).
   */
  call<Reply>(
    node: string,
    service: Service,
    method: string,
    request: object,
    timeoutMs: number,
    signal?: AbortSignal,
    metadata: grpc.Metadata = new grpc.Metadata(),
  ): Promise<Reply> {
    if (this.closed)
      return Promise.reject(
        Object.assign(new Error('the client is closed'), {
          code: grpc.status.CANCELLED,
          details: 'the client is closed',
        }),
      )
    const client = this.client(node, service)
    const fn = (client as unknown as Record<string, UnaryMethod>)[method]!
    return new Promise<Reply>((resolve, reject) => {
      const options = { deadline: new Date(Date.now() + timeoutMs) }
      const call = fn.call(client, request, metadata, options, (error, reply) => {
        signal?.removeEventListener('abort', abort)
        if (error !== null) reject(error)
        else resolve(reply as Reply)
      })
      const abort = (): void => call.cancel()
      signal?.addEventListener('abort', abort, { once: true })
    })
  }

  close(): void {
    this.closed = true
    for (const client of this.clients.values()) client.close()
    this.clients.clear()
  }

  private client(node: string, service: Service): grpc.Client {
    const key = `${service} ${node}`
    let client = this.clients.get(key)
    if (client === undefined) {
      const dial = this.dial(node)
      const options: grpc.ChannelOptions = {
        ...dial.options,
        'grpc.initial_reconnect_backoff_ms': this.backoff.initialMs,
        'grpc.max_reconnect_backoff_ms': this.backoff.maxMs,
        // No transparent retries: a call that failed before it was sent was then surely never applied.
        'grpc.enable_retries': 0,
      }
      client = new (loadTokenManagerPackage()[service])(node, dial.credentials, options)
      this.clients.set(key, client)
    }
    return client
  }

  private dial(node: string): SecureDial {
    const tls = this.security.tls
    if (tls === undefined) return { credentials: grpc.credentials.createInsecure(), options: {} }
    return secureDial(node, {
      ca: pemOf(tls.ca),
      cert: tls.cert === undefined ? undefined : pemOf(tls.cert),
      key: tls.key === undefined ? undefined : pemOf(tls.key),
      expectedCn: node,
    })
  }
}
