import { status as GrpcStatus } from '@grpc/grpc-js'
import { appendFileSync } from 'node:fs'
import type { RegisterOp, RegisterResult } from '../../core/checker/history.js'
import { RpcError } from './rpc-error.js'

/*
 * `tm-client ... --history FILE`: one JSON line when an operation is sent (`invoke`) and one when it ends (`ok`,
 * `failed` or `unknown`), the input of `tm-check`. Times are `Date.now()` wall-clock milliseconds: the checker
 * compares times across processes, so every client recording into one history must share one clock (one machine,
 * or clocks synchronized far better than an operation lasts).
 */

export { registerValue, type HistoryRecord, type ValueFields } from '../../client/history-records.js'
import type { HistoryRecord } from '../../client/history-records.js'

let counter = 0

/** Unique across processes writing into one file: pid and counter, plus randomness for pid reuse. */
export function newOperationId(): string {
  counter += 1
  return `${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`
}

/** Stable for this process, so its operations share one lane and one sequential-client check. */
export const PROCESS_CLIENT_ID = `c${process.pid}-${Math.random().toString(36).slice(2, 6)}`

/**
 * Statuses that certainly mean a writer-side request was refused before it was applied. Anything else after
 * sending (deadline, UNAVAILABLE mid-call, INTERNAL, ...) might have been applied, so it is recorded `unknown`:
 * that only weakens the check, while a wrong `failed` would report violations that did not happen.
 */
const REFUSED = new Set<GrpcStatus>([
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.UNIMPLEMENTED,
  GrpcStatus.PERMISSION_DENIED,
  GrpcStatus.UNAUTHENTICATED,
])

export class HistoryRecorder {
  constructor(
    readonly file: string,
    readonly client: string = PROCESS_CLIENT_ID,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records `call` as one operation on `token`: invoke before, completion after; the call's reply or error passes
   * through unchanged. `resultOf` maps a reply to the register result the model checks.
   */
  async record<T>(
    token: string,
    op: RegisterOp,
    call: () => Promise<T>,
    resultOf: (reply: T) => RegisterResult,
  ): Promise<T> {
    const base = { id: newOperationId(), client: this.client, token }
    this.append({ type: 'invoke', ...base, op, timeMs: this.now() })
    let reply: T
    try {
      reply = await call()
    } catch (error) {
      this.append({ ...completionOfError(op, error), ...base, timeMs: this.now() })
      throw error
    }
    this.append({ type: 'ok', ...base, result: resultOf(reply), timeMs: this.now() })
    return reply
  }

  /** One appendFileSync per line: O_APPEND writes this small land whole, so concurrent clients never interleave. */
  private append(record: HistoryRecord): void {
    appendFileSync(this.file, `${JSON.stringify(record)}\n`)
  }
}

type ErrorCompletion = { type: 'ok'; result: RegisterResult } | { type: 'failed' | 'unknown'; error: string }

/** How an operation that threw ended, for the checker. */
export function completionOfError(op: RegisterOp, error: unknown): ErrorCompletion {
  const semantic = semanticResult(error)
  if (semantic !== undefined) return { type: 'ok', result: semantic }
  const message = error instanceof Error ? error.message : String(error)
  // A read changes nothing, so however it failed it had no effect.
  if (op.kind === 'read') return { type: 'failed', error: message }
  if (error instanceof RpcError && REFUSED.has(error.status)) return { type: 'failed', error: message }
  return { type: 'unknown', error: message }
}

/** NOT_FOUND and ALREADY_EXISTS are the register's answers, not failures. */
function semanticResult(error: unknown): RegisterResult | undefined {
  const status = error instanceof RpcError ? error.status : undefined
  if (status === GrpcStatus.NOT_FOUND) return { kind: 'not-found' }
  // The client's own outcome-unknown and no-answer errors (ClientError) are never semantic.
  return status === GrpcStatus.ALREADY_EXISTS ? { kind: 'already-exists' } : undefined
}
