/**
 * C0 and C1 control characters, the Unicode line separators, and the bidirectional controls that reorder what a
 * terminal shows: a client string holding one could forge a log line or hide text from whoever reads the log.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/**
 * A client string made safe for one log line: unsafe characters become visible escapes (`\x1b`, `\u202e`), and
 * the result is cut at `maxChars` with a note of how long the original was. A log line must never grow with
 * what a client sends.
 */
export function logText(text: string, maxChars: number): string {
  const head = text.length > maxChars ? text.slice(0, cutAt(text, maxChars)) : text
  const escaped = head.replace(UNSAFE, escapeOf)
  if (head.length === text.length && escaped.length <= maxChars) return escaped
  return `${escaped.slice(0, cutAt(escaped, maxChars))}...(${text.length} chars)`
}

/** Text from a node or a file, safe to print on a terminal: unsafe characters become visible escapes, nothing is cut. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, escapeOf)
}

function escapeOf(char: string): string {
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** `maxChars`, or one less when that would split a surrogate pair. */
function cutAt(text: string, maxChars: number): number {
  const last = text.charCodeAt(maxChars - 1)
  return last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars
}
