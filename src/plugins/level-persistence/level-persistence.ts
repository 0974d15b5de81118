import { DataDirError } from '../log-persistence/data-dir-error.js'
import { ClassicLevel } from 'classic-level'
import { readdir, stat } from 'node:fs/promises'
import { UnavailableError } from '../../core/errors.js'
import type { Persistence, SyncEvent } from '../../core/ports/persistence.js'
import type { PersistEntry } from '../../core/protocol/outbox.js'
import { parseUint64, requireUint64 } from '../../core/uint64.js'
import { decodeEntry, encodeEntry } from './entry-codec.js'
import {
  DEFAULT_GROUP_COMMIT_BOUNDS,
  type EncodedEntry,
  GroupCommit,
  type GroupCommitBounds,
} from '../log-persistence/group-commit.js'

/** The layout this build reads and writes; a dir with any other version is refused, never migrated blindly. */
export const FORMAT_VERSION = 1

const META_KEY = 'meta'
const EPOCH_KEY = 'epoch'
const TOKEN_PREFIX = 't/'
/** Upper bound of the token key range: '0' is the character after '/'. */
const TOKEN_END = 't0'
const SYNC = { sync: true } as const
/** The files LevelDB itself creates: a dir holding only these is a database, possibly one cut short at creation. */
const LEVELDB_FILE = /^(CURRENT|LOCK|LOG(\.old)?|MANIFEST-\d+|\d+\.(log|ldb|sst|dbtmp))$/

/**
 * A data dir that cannot be used as it is: owned by another node, of an unknown format, not a LevelDB
 * database, or holding a record that does not decode. The node must not start on it; an operator decides.
 */

export { DataDirError }

type Db = ClassicLevel<string, string>

/**
 * Durable replica state in a LevelDB directory owned by one node: one key `t/<token>` per token, a `meta`
 * record (format version and owning node id) and the writer's `epoch` counter. Saves go through a GroupCommit:
 * those arriving while a write syncs share the next one, an atomic batch written with fsync, so a resolved save
 * survives a crash; saves complete in call order. The database opens lazily on first use (or eagerly through
 * `LevelPersistence.open`), and the dir is checked before anything is written to it.
 */
export class LevelPersistence implements Persistence {
  private ready: Promise<Db> | undefined
  private tail: Promise<unknown> = Promise.resolve()
  private listener: (event: SyncEvent) => void = () => {}
  private readonly commits: GroupCommit<string>
  /** The records decoded while checking the dir, handed to the first `load` unless a save came first. */
  private preloaded: PersistEntry[] | undefined
  private saved = false
  private closed = false

  constructor(
    readonly dataDir: string,
    readonly nodeId: string,
    bounds: GroupCommitBounds = DEFAULT_GROUP_COMMIT_BOUNDS,
  ) {
    this.commits = new GroupCommit(
      (batch) => this.writeBatch(batch),
      bounds,
      (event) => this.listener(event),
    )
  }

  /** Opens and checks the dir now; rejects with a DataDirError when it is refused. */
  static async open(dataDir: string, nodeId: string, bounds?: GroupCommitBounds): Promise<LevelPersistence> {
    const store = new LevelPersistence(dataDir, nodeId, bounds)
    await store.db()
    return store
  }

  async load(): Promise<PersistEntry[]> {
    if (this.closed) throw this.closedError()
    const db = await this.db()
    const preloaded = this.preloaded
    this.preloaded = undefined
    return preloaded ?? this.readEntries(db)
  }

  save(entries: readonly PersistEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError())
    this.saved = true
    this.preloaded = undefined
    return this.commits.save(entries, encodeEntry)
  }

  observe(listener: (event: SyncEvent) => void): void {
    this.listener = listener
  }

  /** One group commit's write: a single synced LevelDB batch, ordered after any epoch bump. */
  private writeBatch(batch: readonly EncodedEntry<string>[]): Promise<void> {
    const operations = batch.map((entry) => ({
      type: 'put' as const,
      key: TOKEN_PREFIX + entry.token,
      value: entry.record,
    }))
    return this.serially(async (db) => {
      await db.batch(operations, SYNC)
    })
  }

  /**
   * The writer's epoch for this incarnation: the stored counter plus one, made durable before it is returned.
   * Each call (hence each restart that calls it once) yields a value above every earlier one from this dir,
   * with no reliance on wall clocks, so a restarted writer never reuses a timestamp of its previous life.
   */
  nextEpoch(): Promise<bigint> {
    return this.serially(async (db) => {
      const stored = await db.get(EPOCH_KEY)
      const epoch = requireUint64((stored === undefined ? 0n : this.decodeEpoch(stored)) + 1n, 'epoch')
      await db.put(EPOCH_KEY, epoch.toString(), SYNC)
      return epoch
    })
  }

  /** The stored epoch counter, unchanged (0 when none was stored): what a migration carries over. */
  storedEpoch(): Promise<bigint> {
    return this.serially(async (db) => {
      const stored = await db.get(EPOCH_KEY)
      return stored === undefined ? 0n : this.decodeEpoch(stored)
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.commits.flushed()
    this.closed = true
    await this.tail // queued saves still run, and may be the ones that open the database
    const db = await this.ready?.catch(() => undefined)
    await db?.close()
  }

  private closedError(): UnavailableError {
    return new UnavailableError(`data dir ${this.dataDir} is closed`)
  }

  /** Runs `work` after every earlier save and epoch bump: LevelDB alone does not order concurrent batches. */
  private serially<T>(work: (db: Db) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError())
    const done = this.tail.then(() => this.db()).then(work)
    this.tail = done.catch(() => undefined)
    return done
  }

  private db(): Promise<Db> {
    this.ready ??= this.openChecked()
    return this.ready
  }

  private async openChecked(): Promise<Db> {
    await this.checkDir()
    const db = new ClassicLevel<string, string>(this.dataDir, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    try {
      await db.open({ createIfMissing: true })
    } catch (error) {
      throw new DataDirError(this.dataDir, `cannot open the LevelDB database: ${causeOf(error)}`, { cause: error })
    }
    try {
      await this.checkMeta(db)
      const epoch = await db.get(EPOCH_KEY)
      if (epoch !== undefined) this.decodeEpoch(epoch)
      const entries = await this.readEntries(db)
      if (!this.saved) this.preloaded = entries // a save queued during the open would make them stale
      return db
    } catch (error) {
      await db.close()
      throw error
    }
  }

  /** A missing or empty dir becomes a new database; anything else must already be one. */
  private async checkDir(): Promise<void> {
    const info = await stat(this.dataDir).catch(() => undefined)
    if (info === undefined) return
    if (!info.isDirectory()) throw new DataDirError(this.dataDir, 'exists but is not a directory')
    const names = await readdir(this.dataDir)
    const foreign = names.find((name) => !LEVELDB_FILE.test(name))
    if (!names.includes('CURRENT') && foreign !== undefined) {
      throw new DataDirError(
        this.dataDir,
        `is not a LevelDB database (no CURRENT file, and it holds ${JSON.stringify(foreign)}); refusing to use it`,
      )
    }
  }

  /** Claims a new database for this node, or checks that an existing one is this node's and of our format. */
  private async checkMeta(db: Db): Promise<void> {
    const text = await db.get(META_KEY)
    if (text === undefined) return this.claim(db)
    const meta = parseMeta(text)
    if (meta === undefined) throw new DataDirError(this.dataDir, `meta record does not decode: ${JSON.stringify(text)}`)
    if (meta.format !== FORMAT_VERSION) {
      throw new DataDirError(
        this.dataDir,
        `has format version ${meta.format}; this build reads version ${FORMAT_VERSION} only`,
      )
    }
    if (meta.node !== this.nodeId) {
      throw new DataDirError(
        this.dataDir,
        `belongs to node ${meta.node}, not to ${this.nodeId}; refusing to use another node's state`,
      )
    }
  }

  private async claim(db: Db): Promise<void> {
    for await (const key of db.keys({ limit: 1 })) {
      throw new DataDirError(
        this.dataDir,
        `has records (first: ${JSON.stringify(key)}) but no meta record; refusing to claim it`,
      )
    }
    await db.put(META_KEY, JSON.stringify({ format: FORMAT_VERSION, node: this.nodeId }), SYNC)
  }

  private async readEntries(db: Db): Promise<PersistEntry[]> {
    const entries: PersistEntry[] = []
    for await (const [key, value] of db.iterator({ gte: TOKEN_PREFIX, lt: TOKEN_END })) {
      entries.push(this.decodeRecord(key, value))
    }
    return entries
  }

  private decodeRecord(key: string, value: string): PersistEntry {
    let entry: PersistEntry
    try {
      entry = decodeEntry(value)
    } catch (error) {
      throw new DataDirError(this.dataDir, `record ${JSON.stringify(key)} does not decode: ${causeOf(error)}`, {
        cause: error,
      })
    }
    // Compared as stored: the key went through UTF-8, the JSON value kept the token's exact code units.
    if (key !== Buffer.from(TOKEN_PREFIX + entry.token).toString()) {
      throw new DataDirError(this.dataDir, `record ${JSON.stringify(key)} holds token ${JSON.stringify(entry.token)}`)
    }
    return entry
  }

  private decodeEpoch(text: string): bigint {
    try {
      return parseUint64(text, 'epoch')
    } catch (error) {
      throw new DataDirError(this.dataDir, `epoch record does not decode: ${causeOf(error)}`, { cause: error })
    }
  }
}

function parseMeta(text: string): { format: unknown; node: string } | undefined {
  try {
    const meta: unknown = JSON.parse(text)
    if (typeof meta !== 'object' || meta === null) return undefined
    const { format, node } = meta as Record<string, unknown>
    return typeof node === 'string' ? { format, node } : undefined
  } catch {
    return undefined
  }
}

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return error.message + cause
}
