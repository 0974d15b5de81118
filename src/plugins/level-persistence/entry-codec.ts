import { InvalidArgumentError } from '../../core/errors.js'
import type { PersistEntry } from '../../core/protocol/outbox.js'
import type { Timestamp } from '../../core/protocol/timestamp.js'
import type { Argmin } from '../../core/token/argmin.js'
import type { RegisterValue, TokenValue } from '../../core/token/token-value.js'
import { parseUint64 } from '../../core/uint64.js'

/**
 * The stored form of one PersistEntry: JSON with every bigint as a decimal string (JSON numbers lose precision
 * above 2^53) and an absent argmin as null. Decoding validates every field, so a damaged record fails loudly
 * with the path of the bad field instead of restoring a wrong register state.
 */
export function encodeEntry(entry: PersistEntry): string {
  return JSON.stringify({
    token: entry.token,
    ts: { seq: entry.ts.seq.toString(), epoch: entry.ts.epoch.toString() },
    value: encodeValue(entry.value),
  })
}

/** Parses a record written by `encodeEntry`. Throws InvalidArgumentError naming the first bad field. */
export function decodeEntry(text: string): PersistEntry {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new InvalidArgumentError('record is not JSON')
  }
  const record = objectAt(json, 'record')
  return {
    token: stringAt(record.token, 'token'),
    ts: timestampAt(record.ts, 'ts'),
    value: valueAt(record.value, 'value'),
  }
}

function encodeValue(value: RegisterValue): object {
  if (value.kind !== 'token') return { kind: value.kind }
  const { name, low, mid, high, partial, final } = value.token
  return {
    kind: 'token',
    token: {
      name,
      low: low.toString(),
      mid: mid.toString(),
      high: high.toString(),
      partial: encodeArgmin(partial),
      final: encodeArgmin(final),
    },
  }
}

function encodeArgmin(argmin: Argmin | undefined): object | null {
  return argmin === undefined ? null : { nonce: argmin.nonce.toString(), hash: argmin.hash.toString() }
}

// Paths are string literals, not built per field: a restart decodes every token's entry, and building a path
// string for each field of 10^5 entries costs more than decoding them.
function valueAt(json: unknown, path: 'value'): RegisterValue {
  const value = objectAt(json, path)
  const kind = stringAt(value.kind, 'value.kind')
  if (kind === 'empty' || kind === 'absent') return { kind }
  if (kind === 'token') return { kind, token: tokenAt(value.token) }
  throw new InvalidArgumentError(`${path}.kind must be empty, absent or token, got "${kind}"`)
}

function tokenAt(json: unknown): TokenValue {
  const token = objectAt(json, 'value.token')
  return {
    name: stringAt(token.name, 'value.token.name'),
    low: uint64At(token.low, 'value.token.low'),
    mid: uint64At(token.mid, 'value.token.mid'),
    high: uint64At(token.high, 'value.token.high'),
    partial: argminAt(token.partial, 'value.token.partial', 'value.token.partial.nonce', 'value.token.partial.hash'),
    final: argminAt(token.final, 'value.token.final', 'value.token.final.nonce', 'value.token.final.hash'),
  }
}

function timestampAt(json: unknown, path: 'ts'): Timestamp {
  const ts = objectAt(json, path)
  return { seq: uint64At(ts.seq, 'ts.seq'), epoch: uint64At(ts.epoch, 'ts.epoch') }
}

function argminAt(json: unknown, path: string, noncePath: string, hashPath: string): Argmin | undefined {
  if (json === null) return undefined
  const argmin = objectAt(json, path)
  return { nonce: uint64At(argmin.nonce, noncePath), hash: uint64At(argmin.hash, hashPath) }
}

function objectAt(json: unknown, path: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidArgumentError(`${path} must be an object`)
  }
  return json as Record<string, unknown>
}

function stringAt(json: unknown, path: string): string {
  if (typeof json !== 'string') throw new InvalidArgumentError(`${path} must be a string`)
  return json
}

function uint64At(json: unknown, path: string): bigint {
  return parseUint64(stringAt(json, path), path)
}
