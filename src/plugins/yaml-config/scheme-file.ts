import { TOKEN_ID } from '../../core/scheme/replication-scheme.js'
import { isMap, isScalar, isSeq } from 'yaml'
import type { Pair, ParsedNode, YAMLMap } from 'yaml'
import { InvalidArgumentError } from '../../core/errors.js'
import { ReplicationScheme } from '../../core/scheme/replication-scheme.js'
import type { TokenScheme } from '../../core/scheme/replication-scheme.js'
import { isAccessPoint } from './access-point.js'
import {
  ConfigError,
  type ConfigLocator,
  describeNode,
  MAX_CONFIG_BYTES,
  parseConfigDocument,
  readConfigText,
} from './config-error.js'
import { parsePlainScheme, PLAIN_LAYOUT } from './plain-scheme.js'

const ITEM_KEYS = ['token', 'writer', 'readers'] as const
type ItemKey = (typeof ITEM_KEYS)[number]

/** One parsed scheme item and the YAML nodes its errors point at. */
interface SchemeItem {
  readonly entry: TokenScheme
  readonly node: YAMLMap
  readonly tokenNode: ParsedNode
}

/**
 * Largest scheme file read: about 600,000 tokens of 3 replicas in the plain layout. Above MAX_CONFIG_BYTES (1 MiB,
 * about 10,000 tokens) a scheme must be in the plain layout: the full YAML parser would take seconds and GBs.
 */
export const MAX_SCHEME_BYTES = 64 * 1024 * 1024

export function loadSchemeFile(path: string): ReplicationScheme {
  return parseScheme(readConfigText(path, MAX_SCHEME_BYTES), path)
}

/** A scheme given as a file (YAML), as entries, or already loaded, as the library's options take it. */
export type SchemeSource = string | readonly TokenScheme[] | ReplicationScheme

export function schemeOf(source: SchemeSource): ReplicationScheme {
  if (typeof source === 'string') return loadSchemeFile(source)
  return source instanceof ReplicationScheme ? source : new ReplicationScheme(source)
}

/**
 * Parses a scheme file's text: a list of `{ token, writer, readers }` items. `file` names it in errors. Read in
 * the plain layout when it is in it (see parsePlainScheme), else by the full YAML parser, up to 1 MiB.
 */
export function parseScheme(text: string, file: string): ReplicationScheme {
  const plain = parsePlainScheme(text)
  if ('entries' in plain) {
    const scheme = tryScheme(plain.entries)
    if (scheme !== undefined) return scheme
  } else if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      file,
      `a scheme over ${MAX_CONFIG_BYTES} bytes must be in the plain layout, ${PLAIN_LAYOUT}; ` +
        `this line is not: ${plain.problem}`,
      { line: plain.line },
    )
  }
  return parseSchemeDocument(text, file)
}

/** The scheme of plain entries, or undefined when it objects (the full parser then says where). */
function tryScheme(entries: readonly TokenScheme[]): ReplicationScheme | undefined {
  try {
    return new ReplicationScheme(entries)
  } catch (error) {
    if (error instanceof InvalidArgumentError) return undefined
    throw error
  }
}

/** Parses a scheme with the full YAML parser (any YAML layout; errors with line, column and code frame). */
export function parseSchemeDocument(text: string, file: string): ReplicationScheme {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      file,
      `the file is too large for the full YAML parser: ${Buffer.byteLength(text)} bytes, at most ${MAX_CONFIG_BYTES}`,
    )
  }
  const { contents, at } = parseConfigDocument(text, file)
  if (contents === null)
    throw new ConfigError(file, 'the scheme is empty: list at least one token', { line: 1, column: 1 })
  if (!isSeq(contents)) {
    throw at.at(`the scheme must be a list of tokens ("- token: ..."), got ${describeNode(contents)}`, contents)
  }
  if (contents.items.length === 0) throw at.at('the scheme is empty: list at least one token', contents)
  const items = contents.items.map((node) => parseItem(node, at))
  rejectDuplicateTokens(items, at)
  return build(items, at)
}

function parseItem(node: ParsedNode, at: ConfigLocator): SchemeItem {
  if (!isMap<ParsedNode, ParsedNode>(node)) {
    throw at.at(`each scheme item must be a mapping with keys ${ITEM_KEYS.join(', ')}; got ${describeNode(node)}`, node)
  }
  const fields = itemFields(node, at)
  const tokenNode = required(fields, 'token', node, at)
  const token = tokenIdOf(tokenNode, at)
  const writer = accessPointOf(required(fields, 'writer', node, at, token), 'writer', at)
  const readers = readersOf(required(fields, 'readers', node, at, token), token, at)
  return { entry: { token, writer, readers }, node, tokenNode }
}

function itemFields(
  node: YAMLMap<ParsedNode, ParsedNode>,
  at: ConfigLocator,
): Map<ItemKey, Pair<ParsedNode, ParsedNode>> {
  const fields = new Map<ItemKey, Pair<ParsedNode, ParsedNode>>()
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined
    if (!ITEM_KEYS.includes(key as ItemKey)) {
      const name = typeof key === 'string' ? `"${key}"` : describeNode(pair.key)
      throw at.at(`unknown key ${name} in a scheme item; allowed keys: ${ITEM_KEYS.join(', ')}`, pair.key)
    }
    fields.set(key as ItemKey, pair)
  }
  return fields
}

function required(
  fields: Map<ItemKey, Pair<ParsedNode, ParsedNode>>,
  key: ItemKey,
  item: YAMLMap,
  at: ConfigLocator,
  token?: string,
): ParsedNode {
  const pair = fields.get(key)
  if (pair === undefined) {
    throw at.at(`${token === undefined ? 'scheme item' : `token ${token}`} is missing "${key}"`, item)
  }
  // `writer:` with nothing after it parses to a null scalar; point at the key, which is where the person looks.
  if (pair.value === null || (isScalar(pair.value) && pair.value.value === null))
    throw at.at(`"${key}" has no value`, pair.key)
  return pair.value
}

function readersOf(node: ParsedNode, token: string, at: ConfigLocator): string[] {
  if (!isSeq<ParsedNode>(node) || node.items.length === 0) {
    throw at.at(`readers of token ${token} must be a non-empty list of access points, got ${describeNode(node)}`, node)
  }
  const firstLine = new Map<string, number | undefined>()
  return node.items.map((reader) => {
    const point = accessPointOf(reader, 'reader', at)
    if (firstLine.has(point)) {
      throw at.at(`reader ${point} is listed twice for token ${token} (first at line ${firstLine.get(point)})`, reader)
    }
    firstLine.set(point, at.lineOf(reader))
    return point
  })
}

function rejectDuplicateTokens(items: readonly SchemeItem[], at: ConfigLocator): void {
  const seen = new Map<string, SchemeItem>()
  for (const item of items) {
    const first = seen.get(item.entry.token)
    if (first !== undefined) {
      throw at.at(
        `duplicate token id "${item.entry.token}": already defined at line ${at.lineOf(first.tokenNode)}`,
        item.tokenNode,
      )
    }
    seen.set(item.entry.token, item)
  }
}

/** The scheme re-checks its entries; should it still object, find the first item it objects to for the line. */
function build(items: readonly SchemeItem[], at: ConfigLocator): ReplicationScheme {
  try {
    return new ReplicationScheme(items.map((i) => i.entry))
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error
    const culprit = items.find((_, i) => !accepts(items.slice(0, i + 1)))
    throw at.at(error.message, culprit?.node)
  }
}

function accepts(items: readonly SchemeItem[]): boolean {
  try {
    new ReplicationScheme(items.map((i) => i.entry))
    return true
  } catch {
    return false
  }
}

/**
 * A token id from a YAML scalar, as a string: non-negative integers in decimal (read from the source text, so
 * large ones stay exact), or strings of letters, digits and `._:-` starting with a letter or digit.
 */
export function tokenIdOf(node: ParsedNode | null, at: ConfigLocator): string {
  const value = isScalar(node) ? node.value : undefined
  if (typeof value === 'number' || typeof value === 'bigint') {
    const source = isScalar(node) ? (node.source ?? String(value)) : String(value)
    if (!/^[0-9]+$/.test(source))
      throw at.at(`invalid token id ${source}: a numeric id must be a non-negative decimal integer`, node)
    return checkedTokenId(BigInt(source).toString(), node, at)
  }
  if (typeof value !== 'string') {
    throw at.at(`invalid token id: expected a non-negative integer or a string, got ${describeNode(node)}`, node)
  }
  return checkedTokenId(value, node, at)
}

function checkedTokenId(id: string, node: ParsedNode | null, at: ConfigLocator): string {
  if (TOKEN_ID.test(id)) return id
  throw at.at(
    `invalid token id "${id}": use 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
    node,
  )
}

/** An access point as written (`127.0.0.1:50051`, `localhost:50051`, `[::1]:50051`), or a ConfigError quoting it. */
export function accessPointOf(node: ParsedNode | null, what: string, at: ConfigLocator): string {
  if (!isScalar(node) || node.value === null || typeof node.value === 'boolean') {
    throw at.at(`${what} must be an access point such as 127.0.0.1:50051, got ${describeNode(node)}`, node)
  }
  const text = typeof node.value === 'string' ? node.value : (node.source ?? String(node.value))
  if (!isAccessPoint(text)) {
    throw at.at(
      `malformed access point "${text}" for ${what}: expected ip:port such as 127.0.0.1:50051 ` +
        `(IPv6 in brackets and quoted: '[::1]:50051')`,
      node,
    )
  }
  return text
}
