import { injectable } from 'inversify'
import type { Persistence } from '../../core/ports/persistence.js'
import type { PersistEntry } from '../../core/protocol/outbox.js'

/** Keeps replica state in memory: durable for the life of the process only. Saves complete in place. */
@injectable()
export class MemoryPersistence implements Persistence {
  private readonly entries = new Map<string, PersistEntry>()

  async load(): Promise<PersistEntry[]> {
    return [...this.entries.values()]
  }

  save(entries: readonly PersistEntry[]): undefined {
    for (const entry of entries) this.entries.set(entry.token, entry)
    return undefined
  }

  async close(): Promise<void> {}
}
