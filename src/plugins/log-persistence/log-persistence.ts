import { open, readFile, rename, rm } from 'node:fs/promises'
import { UnavailableError } from '../../core/errors.js'
import type { Persistence, SyncEvent } from '../../core/ports/persistence.js'
import type { PersistEntry } from '../../core/protocol/outbox.js'
import { requireUint64 } from '../../core/uint64.js'
import { DataDirError } from './data-dir-error.js'
import { decodeBinaryEntry } from './binary-entry-codec.js'
import { DEFAULT_GROUP_COMMIT_BOUNDS, type EncodedEntry, GroupCommit, type GroupCommitBounds } from './group-commit.js'
import {
  type AppendHandle,
  lockDataDir,
  openForAppend,
  removeFiles,
  scanDataDir,
  stateFileOf,
  syncDir,
  writeAll,
  writeStateFile,
  writeTempState,
} from './log-dir.js'
import { type LogPrefetch, prefetchedIndex } from './log-prefetch.js'
import { decodeLog, encodeState, entryRecord, epochRecord, finishLog, type LoadedLog } from './log-records.js'
import { migrateLevelDb } from './migrate-leveldb.js'
import { FRAME_HEADER_BYTES, frameRecords } from './record-framing.js'

export interface LogPersistenceOptions {
  readonly bounds?: GroupCommitBounds
  /** The log is rewritten as a snapshot once it is this large and twice the live state (default 4 MiB). */
  readonly compactMinBytes?: number
  /** The dir's log, being read ahead in a worker (see LogPrefetch); used only if it is the file opened. */
  readonly prefetch?: LogPrefetch
  /** Told about repairs made at open (a torn tail cut off, a LevelDB dir migrated). */
  readonly notice?: (message: string, details: Record<string, unknown>) => void
}

/** See LogPersistenceOptions.compactMinBytes. */
const DEFAULT_COMPACT_MIN_BYTES = 4 << 20
/**
 * A log this many times the live state is compacted: a restart reads at most about this many records per token
 * (at 10^5 tokens, each record read costs it about half a microsecond more), and the rewrites cost each save at
 * most one more copy of itself.
 */
const COMPACT_RATIO = 2

/** A compaction under way: the next generation's snapshot, being written aside, and what was appended since. */
interface Compaction {
  readonly generation: number
  readonly snapshotBytes: number
  /** Frames appended to the current file after the snapshot was taken: the new file gets them too. */
  readonly frames: Buffer[]
  framesBytes: number
}

interface OpenLog extends AppendHandle {
  readonly generation: number
  sizeBytes: number
}

/**
 * Durable replica state as an append-only log in a data dir owned by one node. A generation's file starts with a
 * header (format, node) and a snapshot of every token's newest entry, then holds entries appended in group
 * commits: each write is one append followed by fdatasync, so a resolved save survives a crash. When the file
 * outgrows the live state it is rewritten as the next generation (written aside, synced, renamed into place).
 * A crash mid-append leaves a torn tail, which the next open cuts off: its saves never resolved, so nothing was
 * sent from them. A write that fails leaves the file in doubt, so the store refuses every later save.
 */
export class LogPersistence implements Persistence {
  private log: OpenLog | undefined
  private opening: Promise<OpenLog> | undefined
  private release: (() => Promise<void>) | undefined
  /** Each token's newest durable record: what a compaction writes. */
  private live = new Map<string, Buffer>()
  private liveBytes = 0
  private epoch = 0n
  /** The entries read at open (each decoded when first used), handed to the first `load` unless a save came first. */
  private preloaded: PersistEntry[] | undefined
  private broken: Error | undefined
  private closed = false
  private tail: Promise<unknown> = Promise.resolve()
  private compaction: Compaction | undefined
  /** Compactions switched to, and frames appended while one was being written (the switch carried them over). */
  readonly compactions = { switched: 0, capturedFrames: 0 }
  /** The compaction's background work, awaited by close. */
  private compacting: Promise<void> = Promise.resolve()
  private listener: (event: SyncEvent) => void = () => {}
  private readonly commits: GroupCommit<Buffer>
  private readonly compactMinBytes: number

  constructor(
    readonly dataDir: string,
    readonly nodeId: string,
    private readonly options: LogPersistenceOptions = {},
  ) {
    this.commits = new GroupCommit(
      (batch) => this.serially(() => this.append(batch)),
      options.bounds ?? DEFAULT_GROUP_COMMIT_BOUNDS,
      (event) => this.listener(event),
    )
    this.compactMinBytes = options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES
  }

  /** Opens and checks the dir now; rejects with a DataDirError when it is refused. */
  static async open(dataDir: string, nodeId: string, options?: LogPersistenceOptions): Promise<LogPersistence> {
    const store = new LogPersistence(dataDir, nodeId, options)
    await store.opened()
    return store
  }

  async load(): Promise<PersistEntry[]> {
    if (this.closed) throw this.closedError()
    await this.opened()
    const preloaded = this.preloaded
    this.preloaded = undefined
    return preloaded ?? [...this.live.values()].map((record) => decodeBinaryEntry(record))
  }

  save(entries: readonly PersistEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError())
    this.preloaded = undefined
    return this.commits.save(entries, entryRecord)
  }

  observe(listener: (event: SyncEvent) => void): void {
    this.listener = listener
  }

  /** As LevelPersistence.nextEpoch: the stored counter plus one, durable before it is returned. */
  nextEpoch(): Promise<bigint> {
    return this.serially(async () => {
      const log = await this.opened()
      const epoch = requireUint64(this.epoch + 1n, 'epoch')
      await this.appendSynced(log, frameRecords([epochRecord(epoch)]))
      this.epoch = epoch
      // Once per start: a log that a crash left long is compacted now rather than at the next save.
      this.compactIfLarge(log)
      return epoch
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.commits.flushed()
    this.closed = true
    await this.compacting
    await this.tail
    const log = await this.opening?.catch(() => undefined)
    await log?.handle.close()
    await this.release?.()
  }

  private closedError(): UnavailableError {
    return new UnavailableError(`data dir ${this.dataDir} is closed`)
  }

  /** File work runs one piece at a time, in call order: appends, epoch bumps and compactions never interleave. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError())
    const done = this.tail.then(work)
    this.tail = done.catch(() => undefined)
    return done
  }

  private opened(): Promise<OpenLog> {
    this.opening ??= this.openChecked()
    return this.opening
  }

  private async openChecked(): Promise<OpenLog> {
    const contents = await scanDataDir(this.dataDir)
    this.release = await lockDataDir(this.dataDir)
    try {
      let generation = contents.generations.at(-1)
      if (generation === undefined) generation = await this.createFirst(contents.leveldb)
      const loaded = await this.readGeneration(generation)
      await removeFiles(this.dataDir, [
        ...contents.tempFiles,
        ...contents.generations.filter((g) => g !== generation).map((g) => `state-${g}.log`),
      ])
      if (contents.leveldb && contents.generations.length > 0) await migrateLevelDb.removeLeftovers(this.dataDir)
      this.adopt(loaded)
      const appends = await openForAppend(stateFileOf(this.dataDir, generation))
      this.log = { ...appends, generation, sizeBytes: loaded.validBytes }
      return this.log
    } catch (error) {
      await this.release()
      throw error
    }
  }

  /** A new dir's first generation: empty, or what an earlier release's LevelDB dir holds. */
  private async createFirst(leveldb: boolean): Promise<number> {
    const migrated = leveldb ? await migrateLevelDb.read(this.dataDir, this.nodeId) : { entries: [], epoch: 0n }
    const records = migrated.entries.map((entry) => entryRecord(entry))
    await writeStateFile(this.dataDir, 1, encodeState(this.nodeId, migrated.epoch, records))
    if (leveldb) {
      await migrateLevelDb.removeLeftovers(this.dataDir)
      this.options.notice?.('data dir migrated from LevelDB to the append-only log', { tokens: records.length })
    }
    return 1
  }

  private async readGeneration(generation: number): Promise<LoadedLog> {
    const path = stateFileOf(this.dataDir, generation)
    const prefetched = await prefetchedIndex(this.options.prefetch, path)
    const loaded =
      prefetched === undefined
        ? decodeLog(this.dataDir, this.nodeId, await readFile(path))
        : finishLog(this.dataDir, this.nodeId, prefetched)
    this.options.prefetch?.cancel()
    // A crash tears at most the last write: one frame, no larger than a group commit's (plus the records' length
    // fields) or than the largest frame this file already holds (a save over the bound goes alone, whole).
    const bounds = this.options.bounds ?? DEFAULT_GROUP_COMMIT_BOUNDS
    const limit = Math.max(bounds.maxBytes + 4 * bounds.maxEntries, loaded.largestFrameBytes) + FRAME_HEADER_BYTES
    if (loaded.tailBytes > limit) {
      throw new DataDirError(
        this.dataDir,
        `${path}: ${loaded.tailBytes} bytes after offset ${loaded.validBytes} are not ` +
          'whole records, more than one interrupted write leaves; the file is damaged',
      )
    }
    if (loaded.tailBytes > 0) await this.cutTail(path, loaded)
    return loaded
  }

  /** The tail of a write a crash interrupted: its saves never resolved, so it is dropped. */
  private async cutTail(path: string, loaded: LoadedLog): Promise<void> {
    const handle = await open(path, 'r+')
    try {
      await handle.truncate(loaded.validBytes)
      await handle.datasync()
    } finally {
      await handle.close()
    }
    this.options.notice?.('cut off the torn tail of the data dir log (a write interrupted by a crash)', {
      file: path,
      keptBytes: loaded.validBytes,
      droppedBytes: loaded.tailBytes,
    })
  }

  private adopt(loaded: LoadedLog): void {
    this.epoch = loaded.epoch
    this.live = loaded.records
    this.liveBytes = 0
    for (const record of this.live.values()) this.liveBytes += record.length
    this.preloaded = loaded.entries
  }

  private remember(token: string, record: Buffer): void {
    this.liveBytes += record.length - (this.live.get(token)?.length ?? 0)
    this.live.set(token, record)
  }

  /** One group commit: one append and one fdatasync, then the entries count as the newest state. */
  private async append(batch: readonly EncodedEntry<Buffer>[]): Promise<void> {
    const log = await this.opened()
    await this.appendSynced(log, frameRecords(batch.map((entry) => entry.record)))
    for (const entry of batch) this.remember(entry.token, entry.record)
    this.compactIfLarge(log)
  }

  private async appendSynced(log: OpenLog, frames: Buffer): Promise<void> {
    if (this.broken !== undefined) throw this.broken
    try {
      await writeAll(log.handle, frames)
      if (!log.syncsEachWrite) await log.handle.datasync()
      log.sizeBytes += frames.length
      this.capture(frames)
    } catch (error) {
      this.broken = new UnavailableError(
        `data dir ${this.dataDir}: a write failed (${String(error)}); the log is in ` +
          'doubt, so this node saves nothing more until it restarts and checks it',
        { cause: error },
      )
      throw this.broken
    }
  }

  /**
   * Starts rewriting the live state as the next generation once the log has outgrown it. The snapshot is written
   * and synced aside while appends go on to the current file; those appends are captured, and the switch (in the
   * file work queue) appends them to the new file, syncs it, and only then renames it into place. So a crash at
   * any point leaves one whole generation holding every acknowledged save, and saves wait only for the switch.
   */
  private compactIfLarge(log: OpenLog): void {
    if (this.compaction !== undefined || this.closed) return
    if (log.sizeBytes <= this.compactMinBytes || log.sizeBytes <= COMPACT_RATIO * this.liveBytes) return
    const snapshot = encodeState(this.nodeId, this.epoch, this.live.values())
    const compaction: Compaction = {
      generation: log.generation + 1,
      snapshotBytes: snapshot.length,
      frames: [],
      framesBytes: 0,
    }
    this.compaction = compaction
    this.compacting = writeTempState(this.dataDir, compaction.generation, snapshot)
      .then(() => this.serially(() => this.switchTo(log, compaction)))
      .catch(() => this.abandon(compaction))
  }

  /** Appends made during a compaction go to the new generation too; too many and the compaction is given up. */
  private capture(frames: Buffer): void {
    const compaction = this.compaction
    if (compaction === undefined) return
    compaction.frames.push(frames)
    compaction.framesBytes += frames.length
    this.compactions.capturedFrames++
    // The disk is slower than the appends: a later compaction will try again, rather than memory growing.
    if (compaction.framesBytes > Math.max(this.compactMinBytes, compaction.snapshotBytes)) this.compaction = undefined
  }

  /** Appends the captured frames to the snapshot, syncs, renames it into place and moves appends to it. */
  private async switchTo(log: OpenLog, compaction: Compaction): Promise<void> {
    if (this.compaction !== compaction || this.log !== log || this.broken !== undefined) {
      throw new Error('compaction given up')
    }
    const temp = `${stateFileOf(this.dataDir, compaction.generation)}.tmp`
    const appends = await openForAppend(temp)
    try {
      if (compaction.framesBytes > 0) await writeAll(appends.handle, Buffer.concat(compaction.frames))
      if (!appends.syncsEachWrite) await appends.handle.datasync()
    } catch (error) {
      await appends.handle.close()
      throw error
    }
    try {
      await rename(temp, stateFileOf(this.dataDir, compaction.generation))
      await syncDir(this.dataDir)
    } catch (error) {
      // The new generation may be in place: a restart would read it, without what the current file gets next.
      await appends.handle.close()
      this.broken = new UnavailableError(
        `data dir ${this.dataDir}: switching to a compacted log failed (${String(error)}); ` +
          'this node saves nothing more until it restarts and checks it',
        { cause: error },
      )
      throw this.broken
    }
    const sizeBytes = compaction.snapshotBytes + compaction.framesBytes
    this.log = { ...appends, generation: compaction.generation, sizeBytes }
    this.opening = Promise.resolve(this.log)
    this.compaction = undefined
    this.compactions.switched++
    await log.handle.close()
    await removeFiles(this.dataDir, [`state-${log.generation}.log`])
  }

  /** A compaction that failed or was given up: its file goes; the current one holds everything, as before. */
  private async abandon(compaction: Compaction): Promise<void> {
    if (this.compaction === compaction) this.compaction = undefined
    if (this.log?.generation === compaction.generation) return
    await rm(`${stateFileOf(this.dataDir, compaction.generation)}.tmp`, { force: true }).catch(() => undefined)
  }
}
