import { appendFileSync } from 'node:fs'
import type { HistoryOperation, RegisterOp, RegisterResult } from '../../core/checker/history.js'
import { parseHistoryFile } from '../../bin/check/history-file.js'
import { status as GrpcStatus } from '@grpc/grpc-js'
import { completionOfError, type HistoryRecord } from '../../bin/client/history-recorder.js'
import { RpcError } from '../../bin/client/rpc-error.js'

/** What one recorded call gave back: its reply, or the error it threw (already classified in the history). */
export type Recorded<T> = { readonly ok: true; readonly reply: T } | { readonly ok: false; readonly error: unknown }

/**
 * The chaos run's history, in tm-client's --history format (history-recorder.ts) so `tm-check` reads it as is.
 * All clients live in this one process, so one clock orders them in real time: `performance.timeOrigin +
 * performance.now()`, monotonic and sub-millisecond (ties would only hide precedence, never invent it).
 * Records are kept in memory and, with a file, appended to it as they happen.
 */
export class ChaosRecorder {
  private readonly lines: string[] = []
  private nextId = 0

  constructor(private readonly file?: string) {}

  static nowMs(): number {
    return performance.timeOrigin + performance.now()
  }

  /** Records `call` as one operation of `client` on `token`; the error classification is tm-client's. */
  async record<T>(
    client: string,
    token: string,
    op: RegisterOp,
    call: () => Promise<T>,
    resultOf: (reply: T) => RegisterResult,
  ): Promise<Recorded<T>> {
    const base = { id: `op${this.nextId++}`, client, token }
    this.append({ type: 'invoke', ...base, op, timeMs: ChaosRecorder.nowMs() })
    try {
      const reply = await call()
      this.append({ type: 'ok', ...base, result: resultOf(reply), timeMs: ChaosRecorder.nowMs() })
      return { ok: true, reply }
    } catch (error) {
      this.append({ ...chaosCompletionOfError(op, error), ...base, timeMs: ChaosRecorder.nowMs() })
      return { ok: false, error }
    }
  }

  get recordCount(): number {
    return this.lines.length
  }

  /** The JSON lines recorded so far. */
  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`
  }

  /** The history as the checker sees it, parsed exactly as tm-check parses the file. */
  operations(): readonly HistoryOperation[] {
    return parseHistoryFile(this.text(), this.file ?? 'chaos history').operations
  }

  private append(record: HistoryRecord): void {
    const line = JSON.stringify(record)
    this.lines.push(line)
    if (this.file !== undefined) appendFileSync(this.file, `${line}\n`)
  }
}

/**
 * tm-client's classification, with one refinement: grpc-js fails a call with UNAVAILABLE "No connection
 * established" when the channel has no connection to send it on, so the request never left this process and the
 * write certainly had no effect (`failed`, not `unknown`). That holds because ClientPool disables grpc-js retries:
 * no earlier attempt of the same call can have been sent. Fewer unknown writes keep the checker's search small.
 */
export function chaosCompletionOfError(op: RegisterOp, error: unknown): ReturnType<typeof completionOfError> {
  const completion = completionOfError(op, error)
  if (
    completion.type === 'unknown' &&
    error instanceof RpcError &&
    error.status === GrpcStatus.UNAVAILABLE &&
    error.details.startsWith('No connection established')
  )
    return { type: 'failed', error: completion.error }
  return completion
}
