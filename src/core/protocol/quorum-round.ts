import assert from 'node:assert'
import type { RegisterValue } from '../token/token-value.js'
import type { NodeId } from './messages.js'
import type { Versioned } from './replica-state.js'
import type { Timestamp } from './timestamp.js'

export interface RoundReply {
  readonly from: NodeId
  readonly ts: Timestamp
  readonly value: RegisterValue
}

/**
 * One phase of an operation: a request sent to every replica, replies counted as they arrive (one per replica,
 * duplicates ignored) until `needed` distinct replicas answered. Never waits for the rest.
 */
export class QuorumRound {
  private readonly repliedFrom = new Set<NodeId>()
  readonly replies: RoundReply[] = []

  constructor(
    readonly reqId: number,
    readonly kind: 'query' | 'store',
    readonly needed: number,
    private readonly replicas: readonly NodeId[],
    readonly startedMs: number,
    /** A query's local state when it was sent: what a 'query-same' reply stands for. */
    readonly basis?: Versioned,
  ) {
    assert(needed >= 1 && needed <= replicas.length, `quorum ${needed} out of 1..${replicas.length}`)
  }

  /** Records a reply; false when it is a duplicate or from a node that is not a replica. */
  accept(reply: RoundReply): boolean {
    if (this.repliedFrom.has(reply.from) || !this.replicas.includes(reply.from)) return false
    this.repliedFrom.add(reply.from)
    this.replies.push(reply)
    return true
  }

  get complete(): boolean {
    return this.repliedFrom.size >= this.needed
  }
}
