import type { PersistEntry } from '../../core/protocol/outbox.js'
import type { SyncEvent } from '../../core/ports/persistence.js'

/** How much one synced write may carry; a single save larger than both still goes alone, whole. */
export interface GroupCommitBounds {
  readonly maxEntries: number
  readonly maxBytes: number
}

export const DEFAULT_GROUP_COMMIT_BOUNDS: GroupCommitBounds = Object.freeze({ maxEntries: 4096, maxBytes: 4 << 20 })

/** A stored form of an entry: text or bytes, whose `length` the batch bounds count. */
export type StoredRecord = string | Buffer

/** One encoded entry as the store writes it. */
export interface EncodedEntry<R extends StoredRecord = StoredRecord> {
  readonly token: string
  readonly record: R
}

/** Writes every record of `batch` durably (synced) and atomically, or rejects having written none that count. */
export type SyncedWrite<R extends StoredRecord> = (batch: readonly EncodedEntry<R>[]) => Promise<void>

interface QueuedSave<R extends StoredRecord> {
  readonly records: readonly EncodedEntry<R>[]
  readonly bytes: number
  resolve(): void
  reject(error: unknown): void
}

/**
 * Group commit: saves that arrive while a synced write is in flight wait and then go together into the next one,
 * so one fsync serves every operation and token that arrived meanwhile (as a database's write-ahead log does).
 * A save resolves only once its own write has synced, and saves resolve in call order: writes run one at a time
 * and take the queue from its head. A save is never split across writes, and a write takes whole saves up to
 * `bounds` (the first save always fits); the rest wait for the next write. Within one write a token's last record
 * wins, so an entry overwritten before its sync is not written at all.
 */
export class GroupCommit<R extends StoredRecord> {
  private readonly queue: QueuedSave<R>[] = []
  private writing: Promise<void> | undefined

  constructor(
    private readonly write: SyncedWrite<R>,
    private readonly bounds: GroupCommitBounds = DEFAULT_GROUP_COMMIT_BOUNDS,
    private readonly observe: (event: SyncEvent) => void = () => {},
  ) {}

  /** Saves waiting for a write (the one in flight excluded). */
  get queuedSaves(): number {
    return this.queue.length
  }

  save(entries: readonly PersistEntry[], encode: (entry: PersistEntry) => R): Promise<void> {
    const records = entries.map((entry) => ({ token: entry.token, record: encode(entry) }))
    let bytes = 0
    for (const { record } of records) bytes += record.length
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, bytes, resolve, reject })
      this.writing ??= this.drain()
    })
  }

  /** Resolves once every save made so far has been written (or has failed). */
  async flushed(): Promise<void> {
    while (this.writing !== undefined) await this.writing
  }

  /** Writes batch after batch until the queue is empty; exactly one drain runs at a time. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const saves = this.takeBatch()
      const { batch, bytes } = mergeSaves(saves)
      const startMs = performance.now()
      try {
        await this.write(batch)
      } catch (error) {
        for (const save of saves) save.reject(error)
        continue
      }
      this.observe({ saves: saves.length, entries: batch.length, bytes, syncMs: performance.now() - startMs })
      for (const save of saves) save.resolve()
    }
    this.writing = undefined
  }

  private takeBatch(): QueuedSave<R>[] {
    let entries = 0
    let bytes = 0
    let count = 0
    for (const save of this.queue) {
      const fits = entries + save.records.length <= this.bounds.maxEntries && bytes + save.bytes <= this.bounds.maxBytes
      if (count > 0 && !fits) break
      entries += save.records.length
      bytes += save.bytes
      count++
    }
    return this.queue.splice(0, count)
  }
}

/** One record per token, the last one saved (in the order of those last saves, so a write is deterministic). */
function mergeSaves<R extends StoredRecord>(
  saves: readonly QueuedSave<R>[],
): { batch: EncodedEntry<R>[]; bytes: number } {
  const last = new Map<string, EncodedEntry<R>>()
  for (const save of saves) {
    for (const entry of save.records) {
      last.delete(entry.token)
      last.set(entry.token, entry)
    }
  }
  let bytes = 0
  for (const entry of last.values()) bytes += entry.record.length
  return { batch: [...last.values()], bytes }
}
