import { appendFileSync } from 'node:fs'
import type { HistoryRecord } from '../../client/history-records.js'

/*
 * `tm-client ... --history FILE`: the library client reports one record when an operation is sent (`invoke`) and
 * one when it ends (`ok`, `failed` or `unknown`); this appends them as JSON lines, the input of `tm-check`. Times
 * are `Date.now()` wall-clock milliseconds: the checker compares times across processes, so every client recording
 * into one history must share one clock (one machine, or clocks synchronized far better than an operation lasts).
 */

/** Stable for this process, so its operations share one lane and one sequential-client check. */
export const PROCESS_CLIENT_ID = `c${process.pid}-${Math.random().toString(36).slice(2, 6)}`

/** Where a client's history records go, and the client name they carry. */
export interface HistoryRecordSink {
  readonly client: string
  readonly hook: (record: HistoryRecord) => void
}

/** Appends each record to `file`: one appendFileSync per line, so concurrent clients never interleave. */
export function historyFile(file: string, client: string = PROCESS_CLIENT_ID): HistoryRecordSink {
  return {
    client,
    hook: (record) => appendFileSync(file, `${JSON.stringify(record)}\n`),
  }
}
