/** Wire shapes as @grpc/proto-loader decodes them (snake_case, uint64 as decimal strings), and their typed forms. */

export interface WireArgmin {
  readonly nonce: string
  readonly hash: string
}
export interface WireVersion {
  readonly seq: string
  readonly epoch: string
}

export interface WireWriteReply {
  readonly id: string
  readonly partial: WireArgmin | null
  readonly version: WireVersion | null
  readonly served_by: string
}
export interface WireLifecycleReply {
  readonly id: string
  readonly version: WireVersion | null
  readonly served_by: string
}
export interface WireReadReply {
  readonly id: string
  readonly written: boolean
  readonly name: string
  readonly low: string
  readonly mid: string
  readonly high: string
  readonly partial: WireArgmin | null
  readonly final: WireArgmin | null
  readonly version: WireVersion | null
  readonly writer: string
  readonly readers: readonly string[]
  readonly served_by: string
}

/** The winning nonce of an argmin and its hash (the first 8 bytes of SHA-256, big-endian). */
export interface Argmin {
  readonly nonce: bigint
  readonly hash: bigint
}

/** A register version: the writer's sequence number and its epoch (incarnation). */
export interface Version {
  readonly seq: bigint
  readonly epoch: bigint
}

/** What a write sets: `low <= mid < high`, all uint64. */
export interface TokenWrite {
  readonly name: string
  readonly low: bigint
  readonly mid: bigint
  readonly high: bigint
}

export interface WriteResult {
  readonly id: string
  /** argmin of H(name, x) over [low, mid); undefined when low = mid. */
  readonly partial: Argmin | undefined
  readonly version: Version
  readonly servedBy: string
  /** Set when the call asked for a trace (CallOptions.trace): fetch its spans with traceSpans. */
  readonly traceId?: string
}

export interface LifecycleResult {
  readonly id: string
  readonly version: Version
  readonly servedBy: string
  /** Set when the call asked for a trace (CallOptions.trace): fetch its spans with traceSpans. */
  readonly traceId?: string
}

/** A read: `written` false for a created token never written (then the fields are undefined). */
export interface ReadResult {
  readonly id: string
  readonly written: boolean
  readonly name: string | undefined
  readonly low: bigint | undefined
  readonly mid: bigint | undefined
  readonly high: bigint | undefined
  readonly partial: Argmin | undefined
  /** argmin of H(name, x) over [low, high). */
  readonly final: Argmin | undefined
  readonly version: Version
  /** The token's writer and readers by the scheme of the node that served the read. */
  readonly writer: string
  readonly readers: readonly string[]
  readonly servedBy: string
  /** Set when the call asked for a trace (CallOptions.trace): fetch its spans with traceSpans. */
  readonly traceId?: string
}

const argmin = (wire: WireArgmin | null): Argmin | undefined =>
  wire === null ? undefined : { nonce: BigInt(wire.nonce), hash: BigInt(wire.hash) }

const version = (wire: WireVersion | null): Version =>
  wire === null ? { seq: 0n, epoch: 0n } : { seq: BigInt(wire.seq), epoch: BigInt(wire.epoch) }

export function writeResult(reply: WireWriteReply): WriteResult {
  return { id: reply.id, partial: argmin(reply.partial), version: version(reply.version), servedBy: reply.served_by }
}

export function lifecycleResult(reply: WireLifecycleReply): LifecycleResult {
  return { id: reply.id, version: version(reply.version), servedBy: reply.served_by }
}

export function readResult(reply: WireReadReply): ReadResult {
  const written = reply.written
  return {
    id: reply.id,
    written,
    name: written ? reply.name : undefined,
    low: written ? BigInt(reply.low) : undefined,
    mid: written ? BigInt(reply.mid) : undefined,
    high: written ? BigInt(reply.high) : undefined,
    partial: argmin(reply.partial),
    final: argmin(reply.final),
    version: version(reply.version),
    writer: reply.writer,
    readers: reply.readers,
    servedBy: reply.served_by,
  }
}
