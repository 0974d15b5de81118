import type * as grpc from '@grpc/grpc-js'
import { dialOf } from './client-tls.js'
import { RpcError } from './rpc-error.js'

type UnaryMethod = (
  request: unknown,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, reply?: unknown) => void,
) => grpc.ClientUnaryCall

/**
 * One unary call with its own gRPC deadline. A deadline set here fails the call with DEADLINE_EXCEEDED locally,
 * exactly like a server that gave up, so callers treat both alike. Failures become RpcError naming `node`.
 */
export function unaryCall<Reply>(
  client: grpc.Client,
  node: string,
  method: string,
  request: object,
  timeoutMs: number,
): Promise<Reply> {
  const fn = (client as unknown as Record<string, UnaryMethod | undefined>)[method]
  if (typeof fn !== 'function') return Promise.reject(new Error(`the service has no method ${method}`))
  const deadline = new Date(Date.now() + timeoutMs)
  return new Promise<Reply>((resolve, reject) => {
    fn.call(client, request, { deadline }, (error, reply) => {
      if (error !== null) reject(new RpcError(node, error.code, error.details ?? error.message, timeoutMs))
      else resolve(reply as Reply)
    })
  })
}

/** A client for `node` with this run's credentials (plaintext unless --tls-ca is given). */
export function connect(ctor: grpc.ServiceClientConstructor, node: string): grpc.Client {
  const dial = dialOf(node)
  return new ctor(node, dial.credentials, dial.options)
}
