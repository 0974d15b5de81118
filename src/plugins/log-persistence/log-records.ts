import type { PersistEntry } from '../../core/protocol/outbox.js'
import { parseUint64 } from '../../core/uint64.js'
import { decodeEntry } from '../level-persistence/entry-codec.js'
import { DataDirError } from '../level-persistence/level-persistence.js'
import type { EncodedEntry } from './group-commit.js'
import { FRAME_HEADER_BYTES, frameRecord, readRecords } from './record-framing.js'

/** The layout this build reads and writes (1 was the LevelDB layout); any other version is refused. */
export const LOG_FORMAT_VERSION = 2
/** Room for a header and an epoch record beside a batch's entries, in bytes. */
export const HEADER_OVERHEAD_BYTES = 4096

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
}

export function epochRecord(epoch: bigint): string {
  return EPOCH + epoch.toString()
}

/** A whole generation: header, epoch, then one entry per token. */
export function encodeState(nodeId: string, epoch: bigint, entries: Iterable<EncodedEntry>): Buffer {
  const frames = [frameRecord(HEADER + JSON.stringify({ format: LOG_FORMAT_VERSION, node: nodeId })), frameRecord(epochRecord(epoch))]
  for (const entry of entries) frames.push(frameRecord(ENTRY + entry.record))
  return Buffer.concat(frames)
}

/**
 * Reads a generation's file: its header must name our format and this node; every entry must decode (a damaged
 * record is refused, naming it, rather than restoring a wrong state). Later entries of a token replace earlier.
 */
export function decodeLog(dataDir: string, nodeId: string, file: Buffer): LoadedLog {
  const { payloads, validBytes, tailBytes } = readRecords(file)
  checkHeader(dataDir, nodeId, payloads[0])
  let epoch = 0n
  const latest = new Map<string, { entry: EncodedEntry; decoded: PersistEntry }>()
  for (let i = 1; i < payloads.length; i++) {
    const payload = payloads[i]!
    if (payload.startsWith(EPOCH)) epoch = epochOf(dataDir, payload.slice(1))
    else if (payload.startsWith(ENTRY)) {
      const decoded = entryOf(dataDir, payload.slice(1), i)
      latest.delete(decoded.token)
      latest.set(decoded.token, { entry: { token: decoded.token, record: payload.slice(1) }, decoded })
    } else throw new DataDirError(dataDir, `record ${i} has an unknown kind ${JSON.stringify(payload.slice(0, 1))}`)
  }
  const values = [...latest.values()]
  return { entries: values.map((v) => v.entry), decoded: values.map((v) => v.decoded), epoch, validBytes, tailBytes }
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

/** Bytes one framed record of `payload` takes (for bounds). */
export function framedBytes(payload: string): number {
  return FRAME_HEADER_BYTES + Buffer.byteLength(payload)
}
