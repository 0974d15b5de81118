/** Lines kept by default: enough for a test to read a node's whole log, bounded for a node that runs for hours. */
export const DEFAULT_MAX_LINES = 10_000
/** Longest line kept; the rest of a longer one is dropped, so one runaway line cannot fill the memory. */
export const MAX_LINE_CHARS = 64 * 1024
/** Lines an error message quotes from the end of the output. */
const TAIL_LINES = 40

export type OutputStream = 'stdout' | 'stderr'

/**
 * A child's output as whole lines, stdout and stderr each split on its own (so a chunk of one never glues onto a
 * partial line of the other), the last `maxLines` of them kept in `lines`. `count` says how many were seen in all.
 */
export class OutputLines {
  readonly lines: string[] = []
  count = 0
  private readonly partials: Record<OutputStream, string> = { stdout: '', stderr: '' }

  constructor(private readonly maxLines = DEFAULT_MAX_LINES) {
    if (!(Number.isInteger(maxLines) && maxLines > 0)) throw new RangeError(`maxLines must be > 0, not ${maxLines}`)
  }

  /** Adds a chunk of `stream`; returns the lines it completed. */
  push(stream: OutputStream, text: string): string[] {
    const parts = (this.partials[stream] + text).split('\n')
    this.partials[stream] = parts.pop()!.slice(0, MAX_LINE_CHARS)
    return this.keep(parts.filter((line) => line !== ''))
  }

  /** The stream ended: its unterminated last line, if any, becomes a line. */
  end(stream: OutputStream): string[] {
    const last = this.partials[stream]
    this.partials[stream] = ''
    return this.keep(last === '' ? [] : [last])
  }

  /** The last lines, for an error message. */
  tail(): string {
    return this.lines.slice(-TAIL_LINES).join('\n')
  }

  private keep(lines: string[]): string[] {
    const kept = lines.map((line) => line.slice(0, MAX_LINE_CHARS))
    this.count += kept.length
    this.lines.push(...kept)
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines)
    return kept
  }
}
