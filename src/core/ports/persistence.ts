import type { PersistEntry } from '../protocol/outbox.js'

/**
 * Stores each replica's (timestamp, value) per token. The driver calls `save` with the entries of one protocol
 * step and sends nothing of that step before it completes: an ack never precedes the state it acknowledges.
 * - `save` returns undefined when the entries are already durable (in-memory stores), or a promise that
 *   resolves once they are; saves complete in call order.
 * - `load` returns the newest saved entry per token.
 */
export interface Persistence {
  load(): Promise<PersistEntry[]>
  save(entries: readonly PersistEntry[]): Promise<void> | undefined
  close(): Promise<void>
}

export const Persistence = Symbol('Persistence')
