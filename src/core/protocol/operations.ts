import type { TokenManagerError } from '../errors.js'
import type { RegisterValue, TokenValue, WriteInput } from '../token/token-value.js'
import type { Timestamp } from './timestamp.js'

/** A client operation on one token. write/create/drop go to the writer, read to a reader. */
export type ClientOp =
  | ({ readonly type: 'write' } & WriteInput)
  | { readonly type: 'read' }
  | { readonly type: 'create' }
  | { readonly type: 'drop' }

export type OpResult =
  | { readonly type: 'write'; readonly ts: Timestamp; readonly token: TokenValue }
  /** `value` is `empty` (never written) or a token with its final; absent turns into a not-found error. */
  | { readonly type: 'read'; readonly ts: Timestamp; readonly value: RegisterValue }
  | { readonly type: 'create'; readonly ts: Timestamp }
  | { readonly type: 'drop'; readonly ts: Timestamp }

export type Completion =
  | { readonly opId: number; readonly ok: true; readonly result: OpResult }
  | { readonly opId: number; readonly ok: false; readonly error: TokenManagerError }
