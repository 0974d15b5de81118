/*
 * Reads and indexes one log file off the main thread (see LogPrefetch): the file's whole frames, checked, and
 * each token's newest record, packed into one transferable buffer. Decoding the records into entries is left to
 * the main thread, which needs them as its own objects.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { indexLog } from './log-records.js'

/** What the worker answers: the index of the file, or why it could not make one. */
export type IndexReply =
  | {
      readonly ok: true
      /** The file as it was read (LogPrefetch uses the index only if the file is still the same). */
      readonly file: { readonly size: number; readonly mtimeMs: number; readonly ino: number }
      readonly header: Uint8Array | undefined
      readonly tokens: string[]
      /** Where each token's record ends in `packed` (each starts where the previous one ends). */
      readonly ends: Uint32Array
      readonly packed: ArrayBuffer
      readonly epoch: bigint
      readonly validBytes: number
      readonly tailBytes: number
      readonly largestFrameBytes: number
    }
  | { readonly ok: false; readonly message: string }

function indexFile(path: string, dataDir: string): { reply: IndexReply; transfer: ArrayBuffer[] } {
  const fd = openSync(path, 'r')
  let info: ReturnType<typeof fstatSync>
  let content: Buffer
  try {
    info = fstatSync(fd)
    content = readFileSync(fd)
  } finally {
    closeSync(fd)
  }
  const indexed = indexLog(dataDir, content)
  // The records are views of `packed`, one after another: their ends say where each is.
  const ends = new Uint32Array(indexed.records.size)
  const tokens: string[] = []
  let at = 0
  for (const [token, record] of indexed.records) {
    at += record.length
    ends[tokens.length] = at
    tokens.push(token)
  }
  const packed = indexed.packed.buffer as ArrayBuffer
  const { header, epoch, validBytes, tailBytes, largestFrameBytes } = indexed
  const reply: IndexReply = {
    ok: true,
    file: { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino },
    header: header === undefined ? undefined : Uint8Array.from(header),
    tokens,
    ends,
    packed,
    epoch,
    validBytes,
    tailBytes,
    largestFrameBytes,
  }
  return { reply, transfer: [packed, ends.buffer as ArrayBuffer] }
}

const { path, dataDir } = workerData as { path: string; dataDir: string }
try {
  const { reply, transfer } = indexFile(path, dataDir)
  parentPort!.postMessage(reply, transfer)
} catch (error) {
  // The main thread reads the file again itself and reports the problem as it always does.
  parentPort!.postMessage({ ok: false, message: String(error) } satisfies IndexReply)
}
