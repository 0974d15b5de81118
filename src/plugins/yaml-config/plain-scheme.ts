import type { TokenScheme } from '../../core/scheme/replication-scheme.js'
import { isAccessPoint } from './access-point.js'

/** A scheme read in the plain layout, or the first line (1-based) that the plain layout does not cover, and why. */
export type PlainScheme = { readonly entries: TokenScheme[] } | { readonly line: number; readonly problem: string }

/** The plain layout in one sentence, for error messages. */
export const PLAIN_LAYOUT = 'one key per line: "- token: ID", "  writer: IP:PORT", "  readers: [IP:PORT, ...]"'

const ITEM_START = /^- (token|writer|readers): +(.*?) *$/
const ITEM_KEY = /^ {2}(token|writer|readers): +(.*?) *$/
/** Decimal ids without leading zeros, or plain words: YAML reads both as the same text (see plainId). */
const NUMERIC_ID = /^(?:0|[1-9][0-9]{0,127})$/
const WORD_ID = /^[A-Za-z][A-Za-z0-9._-]{0,127}$/
/** Words the YAML core schema reads as booleans or null, in any case: left to the full parser. */
const RESERVED_WORD = /^(?:true|false|null)$/i
const POINT = /^[A-Za-z0-9.-]+:[0-9]+$/
const SKIPPED = /^ *(#.*)?$/
const CR = 13

type Key = 'token' | 'writer' | 'readers'
interface Item {
  token?: string
  writer?: string
  readers?: readonly string[]
  readonly line: number
}

/**
 * What was read already, by its text: each access point once, and each readers list once (10^5 tokens usually
 * share a few lists), so the scheme holds a handful of strings and arrays rather than one per token.
 */
interface Parsed {
  readonly points: Map<string, string>
  readonly readers: Map<string, readonly string[]>
}

/**
 * Reads a scheme written in the plain block layout that the README, config/tokens.yaml and the benchmarks use,
 * one line at a time, without building a YAML document: the yaml library takes about 0.1 ms and several KB per
 * token, which is 10 s and a GB at 10^5 tokens. Whatever it accepts, the full YAML parser reads as the same
 * scheme (a property test holds it to that); anything else (comments after a value, quoting, block lists,
 * anchors, odd ids, any mistake) is answered with the line, and the caller falls back to the full parser,
 * which explains mistakes best. Blank lines and whole-line comments are skipped.
 */
export function parsePlainScheme(text: string): PlainScheme {
  const cache: Parsed = { points: new Map(), readers: new Map() }
  const seen = new Map<string, number>()
  const entries: TokenScheme[] = []
  let item: Item | undefined
  const finish = (): string | undefined => (item === undefined ? undefined : finishItem(item, seen, entries))
  let lineNo = 0
  // Line by line with indexOf rather than split: at 10^5 tokens, garbage is most of the cost.
  for (let from = 0; from < text.length || lineNo === 0; ) {
    lineNo++
    const newline = text.indexOf('\n', from)
    const to = newline < 0 ? text.length : newline
    const line = text.charCodeAt(to - 1) === CR ? text.slice(from, to - 1) : text.slice(from, to)
    from = to + 1
    const match = fastKey(line) ?? slowKey(line)
    if (match === undefined) continue
    if (match === null) return { line: lineNo, problem: `not in the plain layout (${PLAIN_LAYOUT})` }
    if (line.startsWith('- ')) {
      const problem = finish()
      if (problem !== undefined) return { line: item!.line, problem }
      item = { line: lineNo }
    }
    if (item === undefined) return { line: lineNo, problem: 'a key before the first "- " item' }
    const problem = setKey(item, match.key, match.value, cache)
    if (problem !== undefined) return { line: lineNo, problem }
  }
  const problem = finish()
  if (problem !== undefined) return { line: item!.line, problem }
  if (entries.length === 0) return { line: 1, problem: 'no token' }
  return { entries }
}

interface KeyLine {
  readonly key: Key
  readonly value: string
}

/** The three lines every item of a generated scheme has, as ITEM_START and ITEM_KEY read them. */
const FAST_PREFIXES: readonly (readonly [string, Key])[] = [
  ['- token: ', 'token'],
  ['  writer: ', 'writer'],
  ['  readers: ', 'readers'],
]
const SPACE = 32

/**
 * The usual lines without a regular expression (at 10^5 tokens the regexes are half the parse). Gives what the
 * regexes would, or undefined to let them decide. The value's own checks (plainId, POINT) reject the characters
 * that `.` in the regexes does not match, so this reader accepts nothing they refuse.
 */
function fastKey(line: string): KeyLine | undefined {
  for (const [prefix, key] of FAST_PREFIXES) {
    if (!line.startsWith(prefix)) continue
    let from = prefix.length
    let to = line.length
    while (from < to && line.charCodeAt(from) === SPACE) from++
    while (to > from && line.charCodeAt(to - 1) === SPACE) to--
    return { key, value: line.slice(from, to) }
  }
  return undefined
}

/** Any other line: skipped (undefined), a key (as the regexes read it), or not in the layout (null). */
function slowKey(line: string): KeyLine | null | undefined {
  if (SKIPPED.test(line)) return undefined
  const match = ITEM_START.exec(line) ?? ITEM_KEY.exec(line)
  return match === null ? null : { key: match[1] as Key, value: match[2]! }
}

function setKey(item: Item, key: Key, value: string, cache: Parsed): string | undefined {
  if (item[key] !== undefined) return `"${key}" given twice in one item`
  if (key === 'token') {
    if (!plainId(value)) return `token id ${value} is not a plain decimal number or word`
    item.token = value
    return undefined
  }
  if (key === 'writer') {
    const point = pointOf(value, cache.points)
    if (point === undefined) return `writer ${value} is not an access point`
    item.writer = point
    return undefined
  }
  const known = cache.readers.get(value)
  const readers = known ?? readersOf(value, cache.points)
  if (typeof readers === 'string') return readers
  if (known === undefined) cache.readers.set(value, readers)
  item.readers = readers
  return undefined
}

function plainId(value: string): boolean {
  return NUMERIC_ID.test(value) || (WORD_ID.test(value) && !RESERVED_WORD.test(value))
}

/** A flow list of access points, `[a, b]`, each once. */
function readersOf(value: string, points: Map<string, string>): string[] | string {
  if (!value.startsWith('[') || !value.endsWith(']')) return `readers ${value} is not a one-line list [IP:PORT, ...]`
  const readers: string[] = []
  for (const part of value.slice(1, -1).split(',')) {
    const point = pointOf(part.trim(), points)
    if (point === undefined) return `reader "${part.trim()}" is not an access point`
    if (readers.includes(point)) return `reader ${point} is listed twice`
    readers.push(point)
  }
  return readers
}

/** The access point, one string instance per distinct point: 10^5 tokens share a handful. */
function pointOf(text: string, points: Map<string, string>): string | undefined {
  const known = points.get(text)
  if (known !== undefined) return known
  if (!POINT.test(text) || !isAccessPoint(text)) return undefined
  points.set(text, text)
  return text
}

function finishItem(item: Item, seen: Map<string, number>, entries: TokenScheme[]): string | undefined {
  const { token, writer, readers } = item
  if (token === undefined || writer === undefined || readers === undefined)
    return 'an item needs token, writer and readers'
  const first = seen.get(token)
  if (first !== undefined) return `duplicate token id "${token}": already defined at line ${first}`
  seen.set(token, item.line)
  entries.push({ token, writer, readers })
  return undefined
}
