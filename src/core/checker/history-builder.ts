import { HistoryError, validateHistory } from './history.js'
import type { Completion, HistoryOperation, RegisterOp, RegisterResult } from './history.js'

interface Recording {
  readonly invocation: Omit<HistoryOperation, 'completion'>
  completion: Completion | undefined
}

/**
 * Records a history as a test harness observes it: invoke, then complete each operation once. Operations still
 * in flight when the history is built get an `unknown` completion (they may yet take effect).
 */
export class HistoryBuilder {
  private readonly recordings = new Map<number, Recording>()
  private nextId = 0

  /** Records an invocation and returns the operation id to complete it with. */
  invoke(client: string, token: string, op: RegisterOp, invokeMs: number): number {
    const id = this.nextId++
    this.recordings.set(id, { invocation: { id, client, token, op, invokeMs }, completion: undefined })
    return id
  }

  ok(id: number, result: RegisterResult, returnMs: number): void {
    this.complete(id, { kind: 'ok', result, returnMs })
  }

  /** The operation certainly had no effect (for a write with an uncertain effect use `unknown`). */
  failed(id: number, error: string, returnMs: number): void {
    this.complete(id, { kind: 'failed', error, returnMs })
  }

  unknown(id: number): void {
    this.complete(id, { kind: 'unknown' })
  }

  /** The validated history; throws `HistoryError` when it is malformed. */
  build(): readonly HistoryOperation[] {
    const operations = [...this.recordings.values()].map(({ invocation, completion }) => ({
      ...invocation,
      completion: completion ?? { kind: 'unknown' as const },
    }))
    return validateHistory(operations)
  }

  private complete(id: number, completion: Completion): void {
    const recording = this.recordings.get(id)
    if (recording === undefined) throw new HistoryError(`operation ${id} was never invoked`)
    if (recording.completion !== undefined) throw new HistoryError(`operation ${id} completed twice`)
    recording.completion = completion
  }
}
