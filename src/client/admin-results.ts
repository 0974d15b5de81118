import type { Version, WireVersion } from './wire-results.js'

/** AdminService replies as @grpc/proto-loader decodes them. */
export interface WireTokenStatus {
  readonly id: string
  readonly roles: readonly string[]
  readonly silent: boolean
  readonly state: { readonly version: WireVersion | null; readonly value: { readonly kind?: string } | null } | null
  readonly pending: number
  readonly replicas: number
  readonly read_quorum: number
  readonly write_quorum: number
  readonly writer: string
  readonly readers: readonly string[]
  /** Set while the replica recovers its state after a restart without it. */
  readonly recovering?: { readonly answered: number; readonly ready: number; readonly others: number } | null
  // Absent from nodes of earlier releases: proto3 defaults then.
  readonly committed?: boolean
  readonly final_computed?: boolean
  readonly lease_holders?: readonly { readonly node: string; readonly remaining_ms: string }[]
  readonly lease_held?: boolean
  readonly lease_remaining_ms?: string
  readonly operations?: string
}
export interface WireStatusReply {
  readonly node: string
  readonly tokens: readonly WireTokenStatus[]
  readonly scheme_fingerprint: string
  readonly ignored_replies: string
}
export interface WireFailSilentReply {
  readonly node: string
  readonly id: string
  readonly at_ms: string
}

export interface TokenStatus {
  readonly id: string
  readonly roles: readonly string[]
  /** The node crash-stopped for this token. */
  readonly silent: boolean
  /** The version of this node's copy; undefined when it holds none. */
  readonly version: Version | undefined
  /** What this node's copy holds: a written value, a created token never written, a dropped one; undefined: no copy. */
  readonly value: TokenValueKind | undefined
  /** Operations on the token waiting at this node. */
  readonly pending: number
  readonly replicas: number
  readonly readQuorum: number
  readonly writeQuorum: number
  readonly writer: string
  readonly readers: readonly string[]
  /** Set while this replica recovers the state it lost in a restart. */
  readonly recovering: { readonly answered: number; readonly ready: number; readonly others: number } | undefined
  /** This node knows its copy's version committed (a write quorum holds it); true for a never-written copy. */
  readonly committed: boolean
  /** This node's copy carries its final argmin. */
  readonly finalComputed: boolean
  /** At the writer with read leases on: the readers that may hold a lease now, with the ms each has left. */
  readonly leaseHolders: readonly LeaseHolder[]
  /** At a reader holding a read lease from the writer: the ms it has left; undefined when it holds none. */
  readonly leaseRemainingMs: bigint | undefined
  /** Client operations on the token this node coordinated since it started: two samples give a rate. */
  readonly operations: bigint
}

export interface LeaseHolder {
  readonly node: string
  readonly remainingMs: bigint
}

export type TokenValueKind = 'written' | 'empty' | 'dropped'

export interface NodeStatus {
  readonly node: string
  readonly tokens: readonly TokenStatus[]
  readonly schemeFingerprint: string
  /** Replica replies the node dropped as stale or unexpected since it started. */
  readonly ignoredReplies: bigint
}

/** The proto's value kinds (`token`, `empty`, `absent`) by what they mean to a user. */
const VALUE_KINDS: Readonly<Record<string, TokenValueKind>> = { token: 'written', empty: 'empty', absent: 'dropped' }

export interface FailSilentResult {
  readonly node: string
  readonly id: string
  /** When the silence takes effect, on the node's monotonic clock (ms). */
  readonly atMs: bigint
}

export function nodeStatus(reply: WireStatusReply): NodeStatus {
  return {
    node: reply.node,
    schemeFingerprint: reply.scheme_fingerprint,
    ignoredReplies: BigInt(reply.ignored_replies),
    tokens: reply.tokens.map((t) => ({
      id: t.id,
      roles: t.roles,
      silent: t.silent,
      pending: t.pending,
      replicas: t.replicas,
      readQuorum: t.read_quorum,
      writeQuorum: t.write_quorum,
      writer: t.writer,
      readers: t.readers,
      recovering: t.recovering ?? undefined,
      value: VALUE_KINDS[t.state?.value?.kind ?? ''],
      version: t.state?.version
        ? { seq: BigInt(t.state.version.seq), epoch: BigInt(t.state.version.epoch) }
        : undefined,
      committed: t.committed ?? false,
      finalComputed: t.final_computed ?? false,
      leaseHolders: (t.lease_holders ?? []).map((h) => ({ node: h.node, remainingMs: BigInt(h.remaining_ms) })),
      leaseRemainingMs: t.lease_held === true ? BigInt(t.lease_remaining_ms ?? '0') : undefined,
      operations: BigInt(t.operations ?? '0'),
    })),
  }
}
