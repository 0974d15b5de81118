import type { PersistEntry } from '../../core/protocol/outbox.js'
import { DataDirError } from './data-dir-error.js'
import { binaryEntryToken, checkBinaryEntry, encodeBinaryEntry, RecordEntry } from './binary-entry-codec.js'
import { type FramesRead, visitRecords } from './record-framing.js'
import { frameRecords } from './record-framing.js'

/** The layout this build reads and writes (1 was the LevelDB layout); any other version is refused. */
export const LOG_FORMAT_VERSION = 2
/** A snapshot is written in frames of about this size (a frame is read whole). */
const SNAPSHOT_FRAME_BYTES = 1 << 20

// Each record starts with its kind: H header (JSON), E epoch (u64), T token entry (binary-entry-codec).
const HEADER = 0x48
const EPOCH = 0x45
const ENTRY = 0x54

/** A generation's file indexed: each token's newest record, the epoch, how much of the file is whole. */
export interface IndexedLog {
  /** The first record, which must be the header (checked by finishLog, which knows the node). */
  readonly header: Buffer | undefined
  /** Each token's newest record, as the log holds it. */
  readonly records: Map<string, Buffer>
  /** Those records one after another, in the order of `records` (each of them is a view of it). */
  readonly packed: Buffer
  readonly epoch: bigint
  readonly validBytes: number
  readonly tailBytes: number
  readonly largestFrameBytes: number
}

/** What a generation's file holds once read: the index, and each token's newest entry for the restore (see finishLog). */
export interface LoadedLog extends IndexedLog {
  readonly entries: PersistEntry[]
}

export function entryRecord(entry: PersistEntry): Buffer {
  return encodeBinaryEntry(entry, ENTRY)
}

export function epochRecord(epoch: bigint): Buffer {
  const record = Buffer.allocUnsafe(9)
  record.writeUInt8(EPOCH, 0)
  record.writeBigUInt64LE(epoch, 1)
  return record
}

function headerRecord(nodeId: string): Buffer {
  return Buffer.concat([Buffer.of(HEADER), Buffer.from(JSON.stringify({ format: LOG_FORMAT_VERSION, node: nodeId }))])
}

/** A whole generation: a frame with the header and epoch, then the entries (one per token) in frames of ~1 MiB. */
export function encodeState(nodeId: string, epoch: bigint, entries: Iterable<Buffer>): Buffer {
  const frames = [frameRecords([headerRecord(nodeId), epochRecord(epoch)])]
  let records: Buffer[] = []
  let bytes = 0
  for (const record of entries) {
    records.push(record)
    bytes += record.length
    if (bytes < SNAPSHOT_FRAME_BYTES) continue
    frames.push(frameRecords(records))
    records = []
    bytes = 0
  }
  if (records.length > 0) frames.push(frameRecords(records))
  return Buffer.concat(frames)
}

/**
 * Reads a generation's file: its header must name our format and this node; every entry must decode (a damaged
 * record is refused, naming it, rather than restoring a wrong state). Later entries of a token replace earlier.
 */
export function decodeLog(dataDir: string, nodeId: string, file: Buffer): LoadedLog {
  return finishLog(dataDir, nodeId, indexLog(dataDir, file))
}

/**
 * The first half of decodeLog, which needs no node: finds each token's newest record, keeping only those, copied
 * into one buffer (the file may hold many records per token, and its buffer is let go). Makes no object for a
 * record another replaces: a restart after 10^5 tokens were written a few times reads several times as many.
 */
export function indexLog(dataDir: string, file: Buffer): IndexedLog {
  let header: Buffer | undefined
  let epoch = 0n
  let index = 0
  /** Each token's newest record by its start in `file`, keyed by the token's bytes (the same token, the same key). */
  const newest = new Map<string, number>()
  let read: FramesRead
  try {
    read = visitRecords(file, (start, end) => {
      const i = index++
      const kind = file[start]
      if (i === 0) header = file.subarray(start, end)
      else if (header?.[0] !== HEADER) return
      else if (kind === EPOCH && end - start === 9) epoch = file.readBigUInt64LE(start + 1)
      else if (kind === ENTRY) newest.set(tokenKeyOf(dataDir, file, start, end, i), start)
      else throw new DataDirError(dataDir, `record ${i} has an unknown kind ${kind} or a wrong length`)
    })
  } catch (error) {
    if (error instanceof DataDirError) throw error
    throw new DataDirError(dataDir, (error as Error).message)
  }
  const { validBytes, tailBytes, largestFrameBytes } = read
  const { packed, records } = packNewest(file, newest)
  return { header: header && Buffer.from(header), records, packed, epoch, validBytes, tailBytes, largestFrameBytes }
}

/** Bytes before a record: its u32 length (record-framing). */
const LENGTH_BYTES = 4
/** A token entry's own header: its kind, then the token's u32 length in UTF-16 units (binary-entry-codec). */
const TOKEN_AT = 5

/** The token's UTF-16LE bytes read as latin1: a cheap one-byte string, equal for two records exactly when their tokens are. */
function tokenKeyOf(dataDir: string, file: Buffer, start: number, end: number, index: number): string {
  const units = end - start >= TOKEN_AT ? file.readUInt32LE(start + 1) : -1
  if (units < 0 || start + TOKEN_AT + 2 * units > end) tokenOf(dataDir, file.subarray(start, end), index)
  return file.toString('latin1', start + TOKEN_AT, start + TOKEN_AT + 2 * units)
}

/** The newest records, copied into one buffer, by their tokens. */
function packNewest(file: Buffer, newest: Map<string, number>): { packed: Buffer; records: Map<string, Buffer> } {
  let bytes = 0
  for (const start of newest.values()) bytes += file.readUInt32LE(start - LENGTH_BYTES)
  const packed = Buffer.from(new ArrayBuffer(bytes))
  const records = new Map<string, Buffer>()
  let at = 0
  for (const start of newest.values()) {
    const length = file.readUInt32LE(start - LENGTH_BYTES)
    file.copy(packed, at, start, start + length)
    const record = packed.subarray(at, at + length)
    records.set(binaryEntryToken(record), record)
    at += length
  }
  return { packed, records }
}

/**
 * The second half: checks the header and each token's newest record (the older ones are never needed). The
 * entries are read from their records when first used: a restart of 10^5 tokens made an object graph per token
 * that the first reads did not need, about a third of a second with its garbage collection.
 */
export function finishLog(dataDir: string, nodeId: string, indexed: IndexedLog): LoadedLog {
  checkHeader(dataDir, nodeId, indexed.header)
  const entries: PersistEntry[] = []
  for (const [token, record] of indexed.records) entries.push(entryOf(dataDir, record, token))
  return { ...indexed, entries }
}

function checkHeader(dataDir: string, nodeId: string, record: Buffer | undefined): void {
  if (record === undefined || record[0] !== HEADER) {
    throw new DataDirError(dataDir, 'state file does not start with a header record; the file is damaged')
  }
  let header: { format?: unknown; node?: unknown }
  try {
    header = JSON.parse(record.toString('utf8', 1)) as typeof header
  } catch {
    throw new DataDirError(dataDir, `header record does not decode: ${JSON.stringify(record.toString('utf8', 1, 200))}`)
  }
  if (header.format !== LOG_FORMAT_VERSION) {
    throw new DataDirError(
      dataDir,
      `has format version ${String(header.format)}; this build reads version ${LOG_FORMAT_VERSION} only`,
    )
  }
  if (header.node !== nodeId) {
    throw new DataDirError(
      dataDir,
      `belongs to node ${String(header.node)}, not to ${nodeId}; refusing to use another node's state`,
    )
  }
}

function tokenOf(dataDir: string, record: Buffer, index: number): string {
  try {
    return binaryEntryToken(record)
  } catch (error) {
    throw new DataDirError(dataDir, `record ${index} does not decode: ${(error as Error).message}`, { cause: error })
  }
}

function entryOf(dataDir: string, record: Buffer, token: string): PersistEntry {
  try {
    checkBinaryEntry(record)
    return new RecordEntry(token, record)
  } catch (error) {
    throw new DataDirError(
      dataDir,
      `the newest record of token ${JSON.stringify(token)} does not decode: ${(error as Error).message}`,
      { cause: error },
    )
  }
}
