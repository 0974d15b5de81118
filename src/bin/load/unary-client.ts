import { UnavailableError } from '../../core/errors.js'
import * as grpc from '@grpc/grpc-js'
import type { SecureDial } from '../../plugins/tls/secure-dial.js'

/** How to dial a node; plaintext unless the caller says otherwise (the launchers start --insecure nodes). */
export type DialOf = (address: string) => SecureDial
const plaintext: DialOf = () => ({ credentials: grpc.credentials.createInsecure(), options: {} })

type UnaryFn = (
  request: unknown,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, reply?: unknown) => void,
) => unknown

/**
 * One grpc-js channel to one node, shared by every virtual client of a run, with its unary methods as promises.
 * Kept minimal: its CPU cost is part of every number the benchmark reports.
 */
export class UnaryClient {
  private readonly client: grpc.Client

  constructor(
    readonly address: string,
    ctor: grpc.ServiceClientConstructor,
    dialOf: DialOf = plaintext,
  ) {
    const dial = dialOf(address)
    this.client = new ctor(address, dial.credentials, dial.options)
  }

  call<Reply>(method: string, request: object, timeoutMs: number): Promise<Reply> {
    const fn = (this.client as unknown as Record<string, UnaryFn>)[method]!
    return new Promise<Reply>((resolve, reject) => {
      fn.call(this.client, request, { deadline: Date.now() + timeoutMs }, (error, reply) => {
        if (error !== null)
          reject(new Error(`${this.address}: ${grpc.status[error.code] ?? error.code}: ${error.details}`))
        else resolve(reply as Reply)
      })
    })
  }

  /** Resolves once the channel is connected (or rejects after `timeoutMs`). */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (error) =>
        error ? reject(new UnavailableError(`${this.address}: ${error.message}`)) : resolve(),
      )
    })
  }

  close(): void {
    this.client.close()
  }
}

/** One client per distinct address. */
export function clientsFor(
  addresses: Iterable<string>,
  ctor: grpc.ServiceClientConstructor,
  dialOf: DialOf = plaintext,
): Map<string, UnaryClient> {
  const clients = new Map<string, UnaryClient>()
  for (const address of addresses)
    if (!clients.has(address)) clients.set(address, new UnaryClient(address, ctor, dialOf))
  return clients
}
