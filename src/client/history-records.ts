import type { RegisterOp, RegisterResult } from '../core/checker/history.js'

/*
 * History records: one when an operation is sent (`invoke`) and one when it ends (`ok`, `failed` or `unknown`),
 * the input of `tm-check` as JSON lines. Times are `Date.now()` wall-clock milliseconds: the checker compares
 * times across processes, so every client recording into one history must share one clock.
 */

export interface RecordBase {
  readonly id: string
  readonly client: string
  readonly token: string
  readonly timeMs: number
}

export type HistoryRecord =
  | (RecordBase & { readonly type: 'invoke'; readonly op: RegisterOp })
  | (RecordBase & { readonly type: 'ok'; readonly result: RegisterResult })
  | (RecordBase & { readonly type: 'failed' | 'unknown'; readonly error: string })

/** The part of a write's value the register model compares: what a read of the token returns as the same key. */
export interface ValueFields {
  readonly name: string
  readonly low: string
  readonly mid: string
  readonly high: string
}

export function registerValue(fields: ValueFields): string {
  return `${fields.name}|${fields.low}|${fields.mid}|${fields.high}`
}
