import type { RegisterValue } from '../token/token-value.js'
import type { Timestamp } from './timestamp.js'

/** A node's access point, `ip:port`. */
export type NodeId = string

/** Replica protocol messages between nodes. `reqId` correlates a reply with its request. */
export type ReplicaMessage =
  | { readonly type: 'query'; readonly reqId: number; readonly token: string }
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
  return message.type === 'query-reply' || message.type === 'store-ack'
}
