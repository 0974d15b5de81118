import { crc32 } from 'node:zlib'

/** Bytes before each record's payload: its length and the CRC-32 of the payload, both u32 little-endian. */
export const FRAME_HEADER_BYTES = 8
/** A record larger than this is a damaged length field, not a record we wrote (entries are a few hundred bytes). */
export const MAX_RECORD_BYTES = 16 << 20

/** One record framed for appending: header then payload. */
export function frameRecord(payload: string): Buffer {
  const bytes = Buffer.byteLength(payload)
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bytes)
  frame.write(payload, FRAME_HEADER_BYTES, 'utf8')
  frame.writeUInt32LE(bytes, 0)
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4)
  return frame
}

/** The records of a log file, and where its last whole record ends. */
export interface ReadRecords {
  readonly payloads: string[]
  /** Bytes from the start that hold whole, checked records. */
  readonly validBytes: number
  /** Bytes after them: a write cut short by a crash (or damage, when there are more than one write could leave). */
  readonly tailBytes: number
}

/**
 * Reads records from the start until the first one that is cut short or whose checksum fails. Appends are the
 * only writes, so whatever follows that point is the tail of a write that never completed its sync.
 */
export function readRecords(file: Buffer): ReadRecords {
  const payloads: string[] = []
  let offset = 0
  while (offset + FRAME_HEADER_BYTES <= file.length) {
    const bytes = file.readUInt32LE(offset)
    const end = offset + FRAME_HEADER_BYTES + bytes
    if (bytes > MAX_RECORD_BYTES || end > file.length) break
    const payload = file.subarray(offset + FRAME_HEADER_BYTES, end)
    if (crc32(payload) !== file.readUInt32LE(offset + 4)) break
    payloads.push(payload.toString('utf8'))
    offset = end
  }
  return { payloads, validBytes: offset, tailBytes: file.length - offset }
}
