import type { PersistEntry } from '../../core/protocol/outbox.js'
import { DataDirError } from './data-dir-error.js'
import { binaryEntryToken, decodeBinaryEntry, encodeBinaryEntry } from './binary-entry-codec.js'
import { readRecords } from './record-framing.js'
import { frameRecords } from './record-framing.js'

/** The layout this build reads and writes (1 was the LevelDB layout); any other version is refused. */
export const LOG_FORMAT_VERSION = 2
/** A snapshot is written in frames of about this size (a frame is read whole). */
const SNAPSHOT_FRAME_BYTES = 1 << 20

// Each record starts with its kind: H header (JSON), E epoch (u64), T token entry (binary-entry-codec).
const HEADER = 0x48
const EPOCH = 0x45
const ENTRY = 0x54

/** What a generation's file holds once read: the newest record per token, the epoch, how much of it is whole. */
export interface LoadedLog {
  /** Each token's newest record, as the log holds it. */
  readonly records: Map<string, Buffer>
  /** The same entries decoded, for the node's restore. */
  readonly decoded: PersistEntry[]
  readonly epoch: bigint
  readonly validBytes: number
  readonly tailBytes: number
  readonly largestFrameBytes: number
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
  let read: ReturnType<typeof readRecords>
  try {
    read = readRecords(file)
  } catch (error) {
    throw new DataDirError(dataDir, (error as Error).message)
  }
  checkHeader(dataDir, nodeId, read.records[0])
  let epoch = 0n
  const records = new Map<string, Buffer>()
  for (let i = 1; i < read.records.length; i++) {
    const record = read.records[i]!
    if (record[0] === EPOCH && record.length === 9) epoch = record.readBigUInt64LE(1)
    else if (record[0] === ENTRY) records.set(tokenOf(dataDir, record, i), record)
    else throw new DataDirError(dataDir, `record ${i} has an unknown kind ${record[0]} or a wrong length`)
  }
  // Only each token's newest record is decoded: the older ones it replaced are never needed.
  const decoded: PersistEntry[] = []
  for (const [token, record] of records) decoded.push(entryOf(dataDir, record, token))
  const { validBytes, tailBytes, largestFrameBytes } = read
  return { records, decoded, epoch, validBytes, tailBytes, largestFrameBytes }
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
    return decodeBinaryEntry(record)
  } catch (error) {
    throw new DataDirError(
      dataDir,
      `the newest record of token ${JSON.stringify(token)} does not decode: ${(error as Error).message}`,
      { cause: error },
    )
  }
}
