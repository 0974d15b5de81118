import type { NodeId } from './messages.js'

/** How many earlier incarnations of each peer are remembered, to drop their late messages. */
const RETIRED_PER_PEER = 8

/**
 * The incarnation each peer last used. A message with an incarnation not seen before means the peer restarted:
 * whatever it acknowledged before may be lost with its memory, so its answers leave the open rounds. A message
 * of an incarnation it has since left behind is dropped: it was sent by a process that no longer exists.
 * Only replicas of some token are tracked (the caller checks), so the table is bounded by the scheme.
 */
export class PeerIncarnations {
  private readonly current = new Map<NodeId, number>()
  private readonly retired = new Map<NodeId, number[]>()
  /** Restarts seen so far, of any peer: the count a register compares with the one it last caught up with. */
  private restartCount = 0
  /** The restart count at each peer's latest restart. */
  private readonly restartedAt = new Map<NodeId, number>()

  /** How many restarts (new incarnations after a first) were seen, of all peers together. */
  get restarts(): number {
    return this.restartCount
  }

  /** The value of `restarts` right after `peer` last restarted; 0 when it never did. */
  lastRestartOf(peer: NodeId): number {
    return this.restartedAt.get(peer) ?? 0
  }

  /** 'new' the first time an incarnation other than the known one shows up; 'stale' for a retired one. */
  observe(peer: NodeId, inc: number): 'same' | 'new' | 'first' | 'stale' {
    const known = this.current.get(peer)
    if (known === inc) return 'same'
    if (known === undefined) {
      this.current.set(peer, inc)
      return 'first'
    }
    const retired = this.retired.get(peer) ?? []
    if (retired.includes(inc)) return 'stale'
    retired.push(known)
    if (retired.length > RETIRED_PER_PEER) retired.shift()
    this.retired.set(peer, retired)
    this.current.set(peer, inc)
    this.restartedAt.set(peer, ++this.restartCount)
    return 'new'
  }
}
