import { MAX_NAME_BYTES } from '../../core/token/token-value.js'
import { type ReplicationScheme, TOKEN_ID } from '../../core/scheme/replication-scheme.js'

/** Largest request body accepted: a write's name is at most 4096 bytes, and JSON escapes may grow it. */
export const MAX_BODY_BYTES = 32 * 1024

const UINT64_MAX = 2n ** 64n - 1n

/** Input the page sent that tm-web refuses: HTTP 400 with this message. */
export class ActionInputError extends Error {
  override readonly name = 'ActionInputError'
}

export type Action =
  | { readonly kind: 'fail-silent'; readonly node: string; readonly token: string }
  | {
      readonly kind: 'write'
      readonly token: string
      readonly name: string
      readonly low: bigint
      readonly mid: bigint
      readonly high: bigint
    }
  /** `node`: the reader to ask; the library picks one (and fails over) when unset. */
  | { readonly kind: 'read'; readonly token: string; readonly node: string | undefined }

/** The action a POST to `/api/<kind>` asks for, checked against the scheme; ActionInputError when it is not one. */
export function parseAction(kind: string, body: unknown, scheme: ReplicationScheme): Action {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ActionInputError('the body must be a JSON object')
  }
  const fields = body as Record<string, unknown>
  const token = tokenOf(fields.token, scheme)
  switch (kind) {
    case 'fail-silent':
      return { kind, token, node: replicaOf(fields.node, token, scheme) }
    case 'write':
      return { kind, token, name: nameOf(fields.name), ...domainOf(fields) }
    case 'read':
      return { kind, token, node: fields.node === undefined ? undefined : readerOf(fields.node, token, scheme) }
    default:
      throw new ActionInputError(`unknown action ${JSON.stringify(kind.slice(0, 40))}`)
  }
}

/** A decimal uint64 as a string (a JSON number would lose digits past 2^53). */
export function parseUint64(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^[0-9]{1,20}$/.test(value)) {
    throw new ActionInputError(`${field} must be a decimal integer string within 0..2^64-1`)
  }
  const parsed = BigInt(value)
  if (parsed > UINT64_MAX) throw new ActionInputError(`${field} exceeds 2^64-1`)
  return parsed
}

function tokenOf(value: unknown, scheme: ReplicationScheme): string {
  if (typeof value !== 'string' || !TOKEN_ID.test(value)) {
    throw new ActionInputError("token must be 1-128 letters, digits, '.', '_', ':' or '-'")
  }
  if (scheme.get(value) === undefined) throw new ActionInputError(`token ${value} is not in the replication scheme`)
  return value
}

function replicaOf(value: unknown, token: string, scheme: ReplicationScheme): string {
  const replicas = scheme.replicasOf(token)
  if (typeof value !== 'string' || !replicas.includes(value)) {
    throw new ActionInputError(`node must be one of token ${token}'s replicas: ${replicas.join(', ')}`)
  }
  return value
}

function readerOf(value: unknown, token: string, scheme: ReplicationScheme): string {
  const readers = scheme.get(token)!.readers
  if (typeof value !== 'string' || !readers.includes(value)) {
    throw new ActionInputError(`node must be one of token ${token}'s readers: ${readers.join(', ')}`)
  }
  return value
}

function nameOf(value: unknown): string {
  if (typeof value !== 'string') throw new ActionInputError('name must be a string')
  if (Buffer.byteLength(value, 'utf8') > MAX_NAME_BYTES) {
    throw new ActionInputError(`name exceeds ${MAX_NAME_BYTES} bytes of UTF-8`)
  }
  return value
}

/** The domain's bounds; the node checks low <= mid < high and its size against its own maximum. */
function domainOf(fields: Record<string, unknown>): { low: bigint; mid: bigint; high: bigint } {
  const low = parseUint64(fields.low, 'low')
  const mid = parseUint64(fields.mid, 'mid')
  const high = parseUint64(fields.high, 'high')
  if (!(low <= mid && mid < high)) throw new ActionInputError('the domain must satisfy low <= mid < high')
  return { low, mid, high }
}
