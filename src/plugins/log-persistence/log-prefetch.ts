import { readdirSync, statSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import type { IndexReply } from './log-index-worker.js'
import type { IndexedLog } from './log-records.js'
import { generationOf, stateFileOf } from './log-dir.js'

/** Files smaller than this are read in place when the store opens: a worker's start costs more than it saves. */
export const MIN_PREFETCH_BYTES = 1 << 20

/** A log file indexed ahead of the store's open, and the file as it was then. */
export interface PrefetchedLog {
  readonly path: string
  readonly file: { readonly size: number; readonly mtimeMs: number; readonly ino: number }
  readonly indexed: IndexedLog
}

/**
 * Reads and indexes a data dir's newest log file in a worker thread while the node does other work (tm-server
 * starts it before it reads its scheme): at 10^5 tokens, reading the scheme and reading the log each take a few
 * hundred ms of one core, and a machine with two cores can do both at once. Only a hint: the store takes the
 * index only for the file it opens, after it locked the dir, and only if that file's size, mtime and inode are
 * those the worker read; otherwise (or on any failure) it reads the file itself, as without a prefetch.
 */
export class LogPrefetch {
  private readonly worker: Worker
  private readonly done: Promise<PrefetchedLog | undefined>

  private constructor(
    readonly path: string,
    dataDir: string,
  ) {
    this.worker = new Worker(new URL('./log-index-worker.js', import.meta.url), { workerData: { path, dataDir } })
    this.worker.unref()
    this.done = new Promise((resolve) => {
      this.worker.once('message', (reply: IndexReply) => resolve(reply.ok ? prefetchedOf(path, reply) : undefined))
      this.worker.once('error', () => resolve(undefined))
      this.worker.once('exit', () => resolve(undefined))
    })
  }

  /** Starts indexing the dir's newest log file; undefined when there is none, or it is small. */
  static start(dataDir: string): LogPrefetch | undefined {
    const path = newestStateFile(dataDir)
    if (path === undefined) return undefined
    return new LogPrefetch(path, dataDir)
  }

  /** The index, or undefined if the worker failed (never rejects). */
  result(): Promise<PrefetchedLog | undefined> {
    return this.done
  }

  /** Stops the worker (a start that failed before the store opened). */
  cancel(): void {
    void this.worker.terminate()
  }
}

/** The dir's newest generation file if it is large enough to be worth a worker; undefined on any doubt. */
function newestStateFile(dataDir: string): string | undefined {
  let names: string[]
  try {
    names = readdirSync(dataDir)
  } catch {
    return undefined
  }
  let newest = -1
  for (const name of names) {
    newest = Math.max(newest, generationOf(name) ?? -1)
  }
  if (newest < 0) return undefined
  const path = stateFileOf(dataDir, newest)
  try {
    return statSync(path).size >= MIN_PREFETCH_BYTES ? path : undefined
  } catch {
    return undefined
  }
}

/** The worker's reply as an index whose records are views of one buffer (the newest records only). */
function prefetchedOf(path: string, reply: IndexReply & { ok: true }): PrefetchedLog {
  const packed = Buffer.from(reply.packed)
  const records = new Map<string, Buffer>()
  let start = 0
  for (let i = 0; i < reply.tokens.length; i++) {
    const end = reply.ends[i]!
    records.set(reply.tokens[i]!, packed.subarray(start, end))
    start = end
  }
  const { epoch, validBytes, tailBytes, largestFrameBytes } = reply
  const header = reply.header === undefined ? undefined : Buffer.from(reply.header)
  const indexed = { header, records, packed, epoch, validBytes, tailBytes, largestFrameBytes }
  return { path, file: reply.file, indexed }
}

/** The prefetched index of `path` if the file is still the one the worker read, else undefined. */
export async function prefetchedIndex(
  prefetch: LogPrefetch | undefined,
  path: string,
): Promise<IndexedLog | undefined> {
  const prefetched = await prefetch?.result()
  if (prefetched === undefined || prefetched.path !== path) return undefined
  const now = await stat(path).catch(() => undefined)
  const then = prefetched.file
  if (now === undefined || now.size !== then.size || now.mtimeMs !== then.mtimeMs || now.ino !== then.ino)
    return undefined
  return prefetched.indexed
}
