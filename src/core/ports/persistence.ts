import type { PersistEntry } from '../protocol/outbox.js'

/**
 * Stores each replica's (timestamp, value) per token. The driver calls `save` with the entries of one protocol
 * step and sends nothing of that step before it completes: an ack never precedes the state it acknowledges.
 * - `save` returns undefined when the entries are already durable (in-memory stores), or a promise that
 *   resolves once they are; saves complete in call order. The driver calls `save` as soon as a step produces
 *   entries, without waiting for earlier saves, so a durable store may group the saves that arrive while it
 *   syncs into its next write (group commit).
 * - `load` returns the newest saved entry per token. An entry may read its `ts` and `value` only when first
 *   asked (getters: a restart of 10^5 tokens uses a few at first), so a caller keeping them copies the fields.
 */
export interface Persistence {
  load(): Promise<PersistEntry[]>
  save(entries: readonly PersistEntry[]): Promise<void> | undefined
  close(): Promise<void>
  /** Optional: a durable store reports each synced write it makes (the driver forwards them to Metrics). */
  observe?(listener: (event: SyncEvent) => void): void
}

/** One synced write of a durable store: how many saves it carried, their entries and bytes, how long it took. */
export interface SyncEvent {
  readonly saves: number
  readonly entries: number
  readonly bytes: number
  readonly syncMs: number
}

export const Persistence = Symbol('Persistence')
