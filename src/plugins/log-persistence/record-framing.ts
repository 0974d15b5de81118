import { crc32 } from 'node:zlib'

/** Bytes before each frame's payload: its length and the CRC-32 of the payload, both u32 little-endian. */
export const FRAME_HEADER_BYTES = 8
/** A frame larger than this is a damaged length field, not a frame we wrote (writes are bounded well below it). */
export const MAX_FRAME_BYTES = 64 << 20
/**
 * Records inside a frame are separated by a newline. Every record is a kind letter followed by JSON or decimal
 * text, and JSON.stringify escapes newlines inside strings, so a record never contains one.
 */
const SEPARATOR = '\n'

/**
 * One frame holding `records`: what one write appends, so a crash can tear at most the last frame. One checksum
 * and one decode per frame rather than per record keeps a restart of 10^5 tokens fast.
 */
export function frameRecords(records: readonly string[]): Buffer {
  const text = records.join(SEPARATOR)
  const bytes = Buffer.byteLength(text)
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bytes)
  frame.write(text, FRAME_HEADER_BYTES, 'utf8')
  frame.writeUInt32LE(bytes, 0)
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4)
  return frame
}

/** The records of a log file, and where its last whole frame ends. */
export interface ReadRecords {
  readonly records: string[]
  /** Bytes from the start that hold whole, checked frames. */
  readonly validBytes: number
  /** Bytes after them: a write cut short by a crash (or damage, when there are more than one write could leave). */
  readonly tailBytes: number
  /** The largest frame read, in bytes (header included). */
  readonly largestFrameBytes: number
}

/**
 * Reads frames from the start until the first one that is cut short or whose checksum fails. Appends are the
 * only writes, so whatever follows that point is the tail of a write that never completed its sync.
 */
export function readRecords(file: Buffer): ReadRecords {
  const records: string[] = []
  let offset = 0
  let largestFrameBytes = 0
  while (offset + FRAME_HEADER_BYTES <= file.length) {
    const bytes = file.readUInt32LE(offset)
    const end = offset + FRAME_HEADER_BYTES + bytes
    if (bytes > MAX_FRAME_BYTES || end > file.length) break
    const payload = file.subarray(offset + FRAME_HEADER_BYTES, end)
    if (crc32(payload) !== file.readUInt32LE(offset + 4)) break
    for (const record of payload.toString('utf8').split(SEPARATOR)) records.push(record)
    largestFrameBytes = Math.max(largestFrameBytes, end - offset)
    offset = end
  }
  return { records, validBytes: offset, tailBytes: file.length - offset, largestFrameBytes }
}
