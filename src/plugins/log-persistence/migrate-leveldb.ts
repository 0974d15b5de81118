import type { PersistEntry } from '../../core/protocol/outbox.js'
import { leveldbFiles, removeFiles } from './log-dir.js'

/**
 * Data dirs of the previous release are LevelDB databases. The log store reads one once, writes its state as
 * the first generation of the log, and only then removes the LevelDB files: a crash in between leaves both, and
 * the next open trusts the log and finishes the removal.
 */
export const migrateLevelDb = {
  async read(dataDir: string, nodeId: string): Promise<{ entries: PersistEntry[]; epoch: bigint }> {
    // Loaded only here: classic-level and its native binding cost every start 10-30 ms, and few dirs need it.
    const { LevelPersistence } = await import('../level-persistence/level-persistence.js')
    const store = await LevelPersistence.open(dataDir, nodeId)
    try {
      return { entries: await store.load(), epoch: await store.storedEpoch() }
    } finally {
      await store.close()
    }
  },

  async removeLeftovers(dataDir: string): Promise<void> {
    await removeFiles(dataDir, await leveldbFiles(dataDir))
  },
}
