import { TOKEN_ID } from '../../core/scheme/replication-scheme.js'
import { UsageError } from 'clipanion'
import { InvalidArgumentError } from '../../core/errors.js'
import { MAX_NAME_BYTES } from '../../core/token/token-value.js'
import { parseUint64 } from '../../core/uint64.js'
import { isAccessPoint } from '../../plugins/yaml-config/access-point.js'
import { parseDuration } from '../../plugins/yaml-config/settings-file.js'
import type { TokenWrite } from '../../client/wire-results.js'

// The same rule the scheme file and the nodes apply: checking it here saves a round trip and names the flag.

export function parseTokenId(id: string): string {
  if (TOKEN_ID.test(id)) return id
  throw new InvalidArgumentError(
    `invalid --id "${id}": use 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
  )
}

export interface WriteArgs {
  readonly id: string
  readonly name: string
  readonly low: string
  readonly mid: string
  readonly high: string
}

/** The request for `write`, checked as the writer would check it: uint64 bounds, low <= mid < high, name size. */
export function parseWriteRequest(args: WriteArgs): TokenWrite & { readonly id: string } {
  const id = parseTokenId(args.id)
  const low = parseUint64(args.low.trim(), '--low')
  const mid = parseUint64(args.mid.trim(), '--mid')
  const high = parseUint64(args.high.trim(), '--high')
  if (!(low <= mid && mid < high)) {
    throw new InvalidArgumentError(
      `the range must satisfy low <= mid < high, got --low ${low} --mid ${mid} --high ${high}`,
    )
  }
  if (new TextEncoder().encode(args.name).length > MAX_NAME_BYTES) {
    throw new InvalidArgumentError(`--name exceeds ${MAX_NAME_BYTES} bytes of UTF-8`)
  }
  return { id, name: args.name, low, mid, high }
}

/** `--timeout`: milliseconds (`5000`) or a duration (`5s`, `1.5s`); at least 1 ms. */
export function parseTimeoutMs(text: string): number {
  const ms = durationOrUsage(text, '--timeout')
  if (ms < 1) throw new UsageError(`--timeout must be at least 1 ms, got "${text}"`)
  return ms
}

/** `--after` for fail-silent: a duration, 0 for now. */
export function parseAfterMs(text: string): number {
  return durationOrUsage(text, '--after')
}

export function parseServer(text: string): string {
  if (isAccessPoint(text)) return text
  throw new UsageError(
    `malformed --server "${text}": expected host:port such as 127.0.0.1:50051, localhost:50051 or [::1]:50051`,
  )
}

function durationOrUsage(text: string, flag: string): number {
  try {
    return parseDuration(text)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`${flag}: ${error.message}`)
    throw error
  }
}
