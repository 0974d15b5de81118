import type { RegisterOp, RegisterResult } from '../core/checker/history.js'
import { callFailureOf, wasNeverSent } from './call-failure.js'
import { AlreadyExistsError, NotFoundError, OutcomeUnknownError } from './client-errors.js'
import { type HistoryRecord, registerValue } from './history-records.js'
import type { WireReadReply } from './wire-results.js'

/**
 * Records a client's operations as tm-check history records: `invoke` before, then `ok`, `failed` or `unknown`.
 * Operation ids are unique across clients even when they share a client name (several processes, one history).
 */
export class HistoryHook {
  private readonly operationPrefix: string
  private operations = 0

  constructor(
    private readonly hook: (record: HistoryRecord) => void,
    readonly clientId: string,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.operationPrefix = `${clientId}-${Math.random().toString(36).slice(2, 8)}`
  }

  /** Runs `run` as one operation `op` on `token`; its reply or error passes through unchanged. */
  async record<T>(
    token: string,
    op: RegisterOp,
    run: () => Promise<T>,
    resultOf: (reply: T) => RegisterResult,
  ): Promise<T> {
    const base = { id: `${this.operationPrefix}-${++this.operations}`, client: this.clientId, token }
    this.hook({ type: 'invoke', ...base, op, timeMs: this.nowMs() })
    try {
      const reply = await run()
      this.hook({ type: 'ok', ...base, result: resultOf(reply), timeMs: this.nowMs() })
      return reply
    } catch (error) {
      this.hook({ ...historyOfError(op, error), ...base, timeMs: this.nowMs() })
      throw error
    }
  }
}

export function readValue(reply: WireReadReply): RegisterResult {
  if (!reply.written) return { kind: 'empty' }
  return { kind: 'value', value: registerValue(reply) }
}

/**
 * Statuses that certainly mean a write, create or drop was refused before it was applied. Anything else after
 * sending (a deadline, UNAVAILABLE mid-call, INTERNAL, ...) might have been applied, so it enters the history as
 * `unknown`: that only weakens the check, while a wrong `failed` would report violations that did not happen.
 */
const REFUSED: ReadonlySet<string> = new Set([
  'INVALID_ARGUMENT',
  'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED',
  'UNIMPLEMENTED',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
])

/** How a failed operation enters the history: semantic answers are results, a read had no effect, a write may have. */
export function historyOfError(
  op: RegisterOp,
  error: unknown,
): { type: 'ok'; result: RegisterResult } | { type: 'failed' | 'unknown'; error: string } {
  if (error instanceof NotFoundError) return { type: 'ok', result: { kind: 'not-found' } }
  if (error instanceof AlreadyExistsError) return { type: 'ok', result: { kind: 'already-exists' } }
  const message = error instanceof Error ? error.message : String(error)
  return { type: op.kind === 'read' || certainlyNotApplied(error) ? 'failed' : 'unknown', error: message }
}

/** A refusal, or a call grpc-js never sent (wasNeverSent). */
function certainlyNotApplied(error: unknown): boolean {
  const failure = callFailureOf(error)
  if (failure === undefined) return !(error instanceof OutcomeUnknownError)
  return REFUSED.has(failure.status) || wasNeverSent(failure)
}
