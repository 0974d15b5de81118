import type { Persistence } from '../core/ports/persistence.js'
import type { PersistEntry } from '../core/protocol/outbox.js'
import { ZERO_TIMESTAMP } from '../core/protocol/timestamp.js'
import { EMPTY } from '../core/token/token-value.js'

/**
 * A node's disk in the simulation: it outlives the node's incarnations (a durable restart finds what was saved)
 * and saves in place, so runs stay synchronous. `crashAtNextSave` makes the next save land and then hang: the
 * node stops there, its state on disk and nothing of that step sent but a writer's stores (a crash between persist
 * and send) until the simulation restarts it. `crashAtNextSave(false)` makes the node die during the save instead: that save and every
 * later one never reach the disk, while what a step sends before its save completes (a writer's stores, see
 * Outbox.earlySends) is already out.
 */
export class SimDisk implements Persistence {
  private readonly entries = new Map<string, PersistEntry>()
  private crashArmed: 'lands' | 'lost' | undefined
  /** Set once a save was lost: the process is dead, nothing it saves reaches the disk any more. */
  private dead = false
  crashedAtSave = false

  /** What a node that skipped recovery would trust: an empty copy of each token (the broken variant). */
  seedEmpty(tokens: readonly string[]): void {
    for (const token of tokens) this.entries.set(token, { token, ts: ZERO_TIMESTAMP, value: EMPTY })
  }

  crashAtNextSave(lands = true): void {
    this.crashArmed = lands ? 'lands' : 'lost'
  }

  async load(): Promise<PersistEntry[]> {
    return [...this.entries.values()]
  }

  save(entries: readonly PersistEntry[]): Promise<void> | undefined {
    if (this.crashArmed === 'lost') this.dead = true
    if (!this.dead) for (const entry of entries) this.entries.set(entry.token, entry)
    if (this.crashArmed === undefined && !this.dead) return undefined
    this.crashArmed = undefined
    this.crashedAtSave = true
    // Never resolves: the driver sends nothing after this step, as a process killed right after its fsync.
    return new Promise(() => {})
  }

  async close(): Promise<void> {}

  /** A fresh incarnation's handle on the same disk (the armed crash belonged to the dead process). */
  reopen(): SimDisk {
    this.crashArmed = undefined
    this.dead = false
    this.crashedAtSave = false
    return this
  }
}
