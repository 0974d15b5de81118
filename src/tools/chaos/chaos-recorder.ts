import { appendFileSync } from 'node:fs'
import type { HistoryOperation } from '../../core/checker/history.js'
import { parseHistoryFile } from '../../bin/check/history-file.js'
import type { HistoryRecord } from '../../client/history-records.js'

/**
 * The chaos run's history, as the client library records it (the `onHistory` hook) so `tm-check` reads it as is.
 * All clients live in this one process, so one clock orders them in real time: `performance.timeOrigin +
 * performance.now()`, monotonic and sub-millisecond (ties would only hide precedence, never invent it); each
 * client takes nowMs as its history clock. Records are kept in memory and, with a file, appended to it as they
 * happen. The run is bounded by its duration, so the records are too.
 */
export class ChaosRecorder {
  private readonly lines: string[] = []

  constructor(private readonly file?: string) {}

  static nowMs(): number {
    return performance.timeOrigin + performance.now()
  }

  /** Keeps one record; a client's onHistory hook. */
  add(record: HistoryRecord): void {
    const line = JSON.stringify(record)
    this.lines.push(line)
    if (this.file !== undefined) appendFileSync(this.file, `${line}\n`)
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
}
