import { crc32 } from 'node:zlib'

/** Bytes before each frame's payload: its length and the CRC-32 of the payload, both u32 little-endian. */
export const FRAME_HEADER_BYTES = 8
/** A frame larger than this is a damaged length field, not a frame we wrote (writes are bounded well below it). */
export const MAX_FRAME_BYTES = 64 << 20
const RECORD_LENGTH_BYTES = 4

/**
 * One frame holding `records`, each preceded by its u32 length: what one write appends, so a crash can tear at
 * most the last frame. One checksum per frame rather than per record keeps a restart of 10^5 tokens fast.
 */
export function frameRecords(records: readonly Buffer[]): Buffer {
  let bytes = 0
  for (const record of records) bytes += RECORD_LENGTH_BYTES + record.length
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bytes)
  let at = FRAME_HEADER_BYTES
  for (const record of records) {
    at = frame.writeUInt32LE(record.length, at)
    at += record.copy(frame, at)
  }
  frame.writeUInt32LE(bytes, 0)
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4)
  return frame
}

/** Where a log file's last whole frame ends. */
export interface FramesRead {
  /** Bytes from the start that hold whole, checked frames. */
  readonly validBytes: number
  /** Bytes after them: a write cut short by a crash (or damage, when there are more than one write could leave). */
  readonly tailBytes: number
  /** The largest frame read, in bytes (header included). */
  readonly largestFrameBytes: number
}

/**
 * Visits the records of a log file, in order, by their offsets in `file` (`start` inclusive, `end` exclusive):
 * no object per record, since a restart may read millions of records of which it keeps one per token.
 *
 * Reads frames from the start until the first one that is cut short or whose checksum fails. Appends are the
 * only writes, so whatever follows that point is the tail of a write that never completed its sync. A frame
 * whose checksum holds but whose records do not add up is damage, not a torn write: it throws.
 */
export function visitRecords(file: Buffer, visit: (start: number, end: number) => void): FramesRead {
  let offset = 0
  let largestFrameBytes = 0
  while (offset + FRAME_HEADER_BYTES <= file.length) {
    const bytes = file.readUInt32LE(offset)
    const end = offset + FRAME_HEADER_BYTES + bytes
    if (bytes > MAX_FRAME_BYTES || end > file.length) break
    if (crc32(file.subarray(offset + FRAME_HEADER_BYTES, end)) !== file.readUInt32LE(offset + 4)) break
    visitFrame(file, offset, end, visit)
    largestFrameBytes = Math.max(largestFrameBytes, end - offset)
    offset = end
  }
  return { validBytes: offset, tailBytes: file.length - offset, largestFrameBytes }
}

function visitFrame(file: Buffer, frameOffset: number, frameEnd: number, visit: (start: number, end: number) => void) {
  let at = frameOffset + FRAME_HEADER_BYTES
  while (at < frameEnd) {
    const length = at + RECORD_LENGTH_BYTES <= frameEnd ? file.readUInt32LE(at) : -1
    const end = at + RECORD_LENGTH_BYTES + length
    if (length < 1 || end > frameEnd) {
      throw new RangeError(`the frame at offset ${frameOffset} passes its checksum but its records do not add up`)
    }
    visit(at + RECORD_LENGTH_BYTES, end)
    at = end
  }
}
