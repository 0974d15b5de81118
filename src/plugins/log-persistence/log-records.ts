import type { PersistEntry } from '../../core/protocol/outbox.js'
import { parseUint64 } from '../../core/uint64.js'
import { decodeEntry } from '../level-persistence/entry-codec.js'
import { DataDirError } from '../level-persistence/level-persistence.js'
import type { EncodedEntry } from './group-commit.js'
import { frameRecords, readRecords } from './record-framing.js'

/** The layout this build reads and writes (1 was the LevelDB layout); any other version is refused. */
export const LOG_FORMAT_VERSION = 2
/** A snapshot is written in frames of about this size (a frame is read whole). */
const SNAPSHOT_FRAME_BYTES = 1 << 20

// Each record's payload starts with its kind: H header (JSON), E epoch (decimal), T token entry (entry-codec JSON).
const HEADER = 'H'
const EPOCH = 'E'
const ENTRY = 'T'

/** What a generation's file holds once read: the newest entry per token, the epoch, how much of it is whole. */
export interface LoadedLog {
  readonly entries: EncodedEntry[]
  readonly decoded: PersistEntry[]
  readonly epoch: bigint
  readonly validBytes: number
  readonly tailBytes: number
  readonly largestFrameBytes: number
}

export function epochRecord(epoch: bigint): string {
  return EPOCH + epoch.toString()
}

/** The records of one group commit's frame. */
export function entryRecords(batch: readonly EncodedEntry[]): string[] {
  return batch.map((entry) => ENTRY + entry.record)
}

/** A whole generation: a frame with the header and epoch, then the entries (one per token) in frames of ~1 MiB. */
export function encodeState(nodeId: string, epoch: bigint, entries: Iterable<EncodedEntry>): Buffer {
  const frames = [frameRecords([HEADER + JSON.stringify({ format: LOG_FORMAT_VERSION, node: nodeId }), epochRecord(epoch)])]
  let records: string[] = []
  let bytes = 0
  for (const entry of entries) {
    records.push(ENTRY + entry.record)
    bytes += entry.record.length
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
  const { records: payloads, validBytes, tailBytes, largestFrameBytes } = readRecords(file)
  checkHeader(dataDir, nodeId, payloads[0])
  let epoch = 0n
  const latest = new Map<string, { entry: EncodedEntry; decoded: PersistEntry }>()
  for (let i = 1; i < payloads.length; i++) {
    const payload = payloads[i]!
    if (payload.startsWith(EPOCH)) epoch = epochOf(dataDir, payload.slice(1))
    else if (payload.startsWith(ENTRY)) {
      const record = payload.slice(1)
      const decoded = entryOf(dataDir, record, i)
      latest.delete(decoded.token)
      latest.set(decoded.token, { entry: { token: decoded.token, record }, decoded })
    } else throw new DataDirError(dataDir, `record ${i} has an unknown kind ${JSON.stringify(payload.slice(0, 1))}`)
  }
  const values = [...latest.values()]
  return { entries: values.map((v) => v.entry), decoded: values.map((v) => v.decoded), epoch, validBytes, tailBytes,
    largestFrameBytes }
}

function checkHeader(dataDir: string, nodeId: string, payload: string | undefined): void {
  if (payload === undefined || !payload.startsWith(HEADER)) {
    throw new DataDirError(dataDir, 'state file does not start with a header record; the file is damaged')
  }
  let header: { format?: unknown; node?: unknown }
  try {
    header = JSON.parse(payload.slice(1)) as typeof header
  } catch {
    throw new DataDirError(dataDir, `header record does not decode: ${JSON.stringify(payload.slice(0, 200))}`)
  }
  if (header.format !== LOG_FORMAT_VERSION) {
    throw new DataDirError(dataDir, `has format version ${String(header.format)}; this build reads version ${LOG_FORMAT_VERSION} only`)
  }
  if (header.node !== nodeId) {
    throw new DataDirError(dataDir, `belongs to node ${String(header.node)}, not to ${nodeId}; refusing to use another node's state`)
  }
}

function entryOf(dataDir: string, text: string, index: number): PersistEntry {
  try {
    return decodeEntry(text)
  } catch (error) {
    throw new DataDirError(dataDir, `record ${index} does not decode: ${(error as Error).message}`, { cause: error })
  }
}

function epochOf(dataDir: string, text: string): bigint {
  try {
    return parseUint64(text, 'epoch')
  } catch (error) {
    throw new DataDirError(dataDir, `epoch record does not decode: ${(error as Error).message}`, { cause: error })
  }
}
