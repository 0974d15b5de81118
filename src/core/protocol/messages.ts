import type { RegisterValue } from '../token/token-value.js'
import type { Timestamp } from './timestamp.js'

/** A node's access point, `ip:port`. */
export type NodeId = string

/**
 * What a querying replica already holds: its own version, and whether its value carries the final. A replica
 * holding the same answers 'query-same' instead of sending the value back (one timestamp, one value: the
 * writer's, plus the final a reader computed from it).
 */
export interface KnownVersion {
  readonly ts: Timestamp
  readonly complete: boolean
}

/** Replica protocol messages between nodes. `reqId` correlates a reply with its request. */
export type ReplicaMessage =
  | { readonly type: 'query'; readonly reqId: number; readonly token: string; readonly known?: KnownVersion }
  /** The answer to a query whose `known` is exactly this replica's state: the querier already has the value. */
  | { readonly type: 'query-same'; readonly reqId: number; readonly token: string }
  | {
    readonly type: 'query-reply'; readonly reqId: number; readonly token: string
    readonly ts: Timestamp; readonly value: RegisterValue
  }
  | {
    readonly type: 'store'; readonly reqId: number; readonly token: string
    readonly ts: Timestamp; readonly value: RegisterValue
  }
  | { readonly type: 'store-ack'; readonly reqId: number; readonly token: string }

export interface Envelope {
  readonly from: NodeId
  readonly to: NodeId
  readonly message: ReplicaMessage
}

export function isReply(message: ReplicaMessage): boolean {
  return message.type === 'query-reply' || message.type === 'query-same' || message.type === 'store-ack'
}
