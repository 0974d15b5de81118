import * as grpc from '@grpc/grpc-js'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'

/**
 * The status a node must answer to one client request, computed from what the node receives (the request after a
 * round trip through the serializer: a JS client maps "-1" or "abc" to some uint64 before anything is sent) and
 * from a model of the tokens' state. Checks in the node's order: size, UTF-8, id, scheme, role, input, state.
 */

export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024
export const MAX_ID_LENGTH = 256
export const MAX_NAME_BYTES = 4096
export const MAX_SILENCE_AFTER_MS = 365n * 24n * 3600n * 1000n
export const UINT64_MAX = (1n << 64n) - 1n

export type Method = 'Create' | 'Drop' | 'Write' | 'Read'
export interface TokenRoles {
  readonly writer: boolean
  readonly reader: boolean
}
export interface Written {
  name: string
  low: bigint
  mid: bigint
  high: bigint
}
/** The model of one token as the fuzzed node should see it: dropped or not, and the last value written. */
export interface TokenModel {
  live: boolean
  value: Written | undefined
}

export interface Expectation {
  readonly code: grpc.status
  /** Applies a successful operation to the model. */
  readonly apply?: () => void
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** True when a JS string has a lone surrogate: the serializer then sends bytes that are not UTF-8. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

/**
 * What the node receives for `request`, and its size on the wire; undefined when the client library cannot
 * serialize it (an empty uint64 string): grpc-js then fails the call locally with INTERNAL, nothing is sent.
 */
export function onTheWire(
  service: 'TokenService' | 'AdminService',
  method: string,
  request: object,
): { received: any; bytes: number } | undefined {
  const definition = (loadTokenManagerPackage()[service].service as grpc.ServiceDefinition)[method]!
  let encoded: Buffer
  try {
    encoded = definition.requestSerialize(request)
  } catch {
    return undefined
  }
  return { received: definition.requestDeserialize(encoded), bytes: encoded.length }
}

const UNSENDABLE: Expectation = { code: grpc.status.INTERNAL }

/** The id checks every RPC shares; undefined when the id names a token of the scheme. */
function idFailure(id: string, strings: readonly string[], known: ReadonlySet<string>): grpc.status | undefined {
  if (strings.some(hasLoneSurrogate)) return grpc.status.INVALID_ARGUMENT
  if (id === '' || id.length > MAX_ID_LENGTH) return grpc.status.INVALID_ARGUMENT
  if (!known.has(id)) return grpc.status.NOT_FOUND
  return undefined
}

export function expectToken(
  method: Method,
  request: { id: string; name?: string; low?: string; mid?: string; high?: string },
  roles: ReadonlyMap<string, TokenRoles>,
  models: Map<string, TokenModel>,
  maxDomainSize: bigint,
): Expectation {
  const wire = onTheWire('TokenService', method, request)
  if (wire === undefined) return UNSENDABLE
  const { received, bytes } = wire
  if (bytes > MAX_MESSAGE_BYTES) return { code: grpc.status.RESOURCE_EXHAUSTED }
  const idCode = idFailure(request.id, [request.id, request.name ?? ''], new Set(roles.keys()))
  if (idCode !== undefined) return { code: idCode }
  const role = roles.get(request.id)!
  if (method === 'Read' ? !role.reader : !role.writer) return { code: grpc.status.FAILED_PRECONDITION }
  const model = models.get(request.id)!
  if (method === 'Write') {
    const w: Written = {
      name: received.name,
      low: BigInt(received.low),
      mid: BigInt(received.mid),
      high: BigInt(received.high),
    }
    if (
      !(w.low <= w.mid && w.mid < w.high) ||
      w.high - w.low > maxDomainSize ||
      Buffer.byteLength(w.name, 'utf8') > MAX_NAME_BYTES
    )
      return { code: grpc.status.INVALID_ARGUMENT }
    if (!model.live) return { code: grpc.status.NOT_FOUND }
    return {
      code: grpc.status.OK,
      apply: () => {
        model.value = w
      },
    }
  }
  if (method === 'Create') {
    if (model.live) return { code: grpc.status.ALREADY_EXISTS }
    return {
      code: grpc.status.OK,
      apply: () => {
        model.live = true
        model.value = undefined
      },
    }
  }
  if (!model.live) return { code: grpc.status.NOT_FOUND }
  if (method === 'Drop')
    return {
      code: grpc.status.OK,
      apply: () => {
        model.live = false
        model.value = undefined
      },
    }
  return { code: grpc.status.OK }
}

export function expectFailSilent(request: { id: string; after_ms: string }, known: ReadonlySet<string>): Expectation {
  const wire = onTheWire('AdminService', 'FailSilent', request)
  if (wire === undefined) return UNSENDABLE
  const { received } = wire
  const idCode = idFailure(request.id, [request.id], known)
  if (idCode !== undefined) return { code: idCode }
  if (BigInt(received.after_ms) > MAX_SILENCE_AFTER_MS) return { code: grpc.status.INVALID_ARGUMENT }
  return { code: grpc.status.OK }
}

/** One long-lived client per node and service, calls with a deadline; resolves with the reply or the error. */
export class Callers {
  private readonly clients = new Map<string, grpc.Client>()

  call(
    address: string,
    service: 'TokenService' | 'AdminService',
    method: string,
    request: object,
    timeoutMs = 10_000,
  ): Promise<{ reply?: any; error?: grpc.ServiceError }> {
    const key = `${address} ${service}`
    let client = this.clients.get(key)
    if (client === undefined) {
      const ctor = loadTokenManagerPackage()[service]
      client = new ctor(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 })
      this.clients.set(key, client)
    }
    return new Promise((resolve) => {
      ;(client as any)[method](
        request,
        { deadline: Date.now() + timeoutMs },
        (error: grpc.ServiceError | null, reply: unknown) => resolve(error ? { error } : { reply }),
      )
    })
  }

  close(): void {
    for (const client of this.clients.values()) client.close()
    this.clients.clear()
  }
}
