import type { RegisterValue } from '../token/token-value.js'
import type { Timestamp } from './timestamp.js'
import type { TraceContext } from './trace-context.js'

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

/**
 * What every answer (query-reply, query-same, store-ack, lease-grant) carries besides its body. `re` is the
 * incarnation of the node whose request it answers (Envelope.inc of the request): a node drops answers meant for
 * another incarnation, so a late reply to a dead process never joins a round of its successor with the same reqId.
 * `recovering`: the replier lost its state in a restart and has not recovered it yet (see ReplicaRecovery): its
 * answer counts in no quorum. `fence`: on answers to the token's writer, the newest writer epoch the replier has
 * seen (see TokenRegister's fence); `fenced`: the store or survey was refused because its epoch is below it.
 * `fresh`: the replier saw the asker, in the incarnation it asks from, without state when the token's history
 * began (see ReplicaRecovery): the asker has lost nothing and may join at once.
 */
export interface AnswerFields {
  readonly re?: number
  readonly recovering?: boolean
  readonly fence?: bigint
  readonly fenced?: boolean
  readonly fresh?: boolean
}

/**
 * Replica protocol messages between nodes. `reqId` correlates a reply with its request. Query answers carry the
 * replier's `committed` watermark (unset means none): the newest version it knows every lease holder has.
 */
export type ReplicaMessage =
  /** `writerEpoch`: set by a writer's survey (see TokenRegister): the replica fences older incarnations' stores. */
  | {
      readonly type: 'query'
      readonly reqId: number
      readonly token: string
      readonly known?: KnownVersion
      readonly writerEpoch?: bigint
      /** A recovering replica's query (ReplicaRecovery): answered at once even by a replica that is recovering too. */
      readonly recover?: boolean
      /** Set when the query's operation is recorded: its round's span, the parent of the replica's. */
      readonly trace?: TraceContext
    }
  /** The answer to a query whose `known` is exactly this replica's state: the querier already has the value. */
  | ({
      readonly type: 'query-same'
      readonly reqId: number
      readonly token: string
      readonly committed?: Timestamp
    } & AnswerFields)
  | ({
      readonly type: 'query-reply'
      readonly reqId: number
      readonly token: string
      readonly ts: Timestamp
      readonly value: RegisterValue
      readonly committed?: Timestamp
    } & AnswerFields)
  /** `writerEpoch`: set when the token's writer sends it, the incarnation sending (see TokenRegister's fence). */
  | {
      readonly type: 'store'
      readonly reqId: number
      readonly token: string
      readonly ts: Timestamp
      readonly value: RegisterValue
      readonly writerEpoch?: bigint
      /** As on a query. */
      readonly trace?: TraceContext
    }
  /**
   * `holders`, from the writer only: the readers that may hold a lease from it. Any other reader got its lease
   * after the writer had this version, so it has it too: a read imposing the version waits only for these.
   */
  | ({
      readonly type: 'store-ack'
      readonly reqId: number
      readonly token: string
      readonly holders?: readonly NodeId[]
    } & AnswerFields)
  /** A reader asks the writer for a read lease; `ts` is the reader's stored version. */
  | { readonly type: 'lease-request'; readonly reqId: number; readonly token: string; readonly ts: Timestamp }
  /** The writer's answer: `leaseMs` 0 refuses (the reader lacks a version the writer has). */
  | ({
      readonly type: 'lease-grant'
      readonly reqId: number
      readonly token: string
      readonly leaseMs: number
      readonly committed: Timestamp
    } & AnswerFields)
  /** The writer's notice that every lease holder has `ts` (reqId 0: nothing answers it). */
  | { readonly type: 'commit'; readonly reqId: number; readonly token: string; readonly ts: Timestamp }

export interface Envelope {
  readonly from: NodeId
  readonly to: NodeId
  readonly message: ReplicaMessage
  /**
   * The sending process's incarnation: a random id drawn at each start (RegisterNode stamps it on every send).
   * Answers echo it as `re`; a receiver that sees a new one from a peer knows the peer restarted.
   */
  readonly inc?: number
}

export type AnswerMessage = ReplicaMessage & { type: 'query-reply' | 'query-same' | 'store-ack' | 'lease-grant' }

export function isAnswer(message: ReplicaMessage): message is AnswerMessage {
  const type = message.type
  return type === 'query-reply' || type === 'query-same' || type === 'store-ack' || type === 'lease-grant'
}
