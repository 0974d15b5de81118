import type { Envelope, NodeId } from '../protocol/messages.js'

/** Receives each message addressed to the node that started the transport. */
export type MessageHandler = (envelope: Envelope) => void

/**
 * Carries replica messages between nodes. The protocol tolerates loss, duplication and reordering, so the
 * contract is deliberately weak:
 * - `start(self, handler)` must resolve before `send`; afterwards every message another node sends to `self`
 *   is handed to `handler` at most once per send (possibly never: fail-silent peers, broken links).
 * - `send` never throws and never blocks on the peer: an unknown or unreachable peer loses the message.
 * - Messages arrive with their fields intact, uint64 values exactly (the transport encodes them).
 * - `stop()` resolves once no handler call will follow; sends after it are dropped.
 */
export interface Transport {
  start(self: NodeId, handler: MessageHandler): Promise<void>
  send(envelope: Envelope): void
  stop(): Promise<void>
}

export const Transport = Symbol('Transport')
