import { readFileSync, statSync } from 'node:fs'
import { isAscii } from 'node:buffer'
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml'
import type { ParsedNode, YAMLError } from 'yaml'
import { InvalidArgumentError } from '../../core/errors.js'

/** Where in a config file a problem sits: 1-based line and column, either may be unknown. */
export interface ConfigPosition {
  readonly line?: number
  readonly column?: number
}

/**
 * A config file a person must fix: the message reads `file:line:column: problem` (the form editors and
 * terminals turn into a link), followed by the YAML library's code frame for syntax errors.
 */
export class ConfigError extends InvalidArgumentError {
  readonly file: string
  readonly line: number | undefined
  readonly column: number | undefined
  readonly problem: string

  constructor(file: string, problem: string, position: ConfigPosition = {}, frame?: string) {
    super(`${locationText(file, position)}: ${problem}${frame ? `\n\n${frame}` : ''}`)
    // The base class types `name` as its own literal, so a subclass can only rename itself at run time.
    Object.defineProperty(this, 'name', { value: 'ConfigError', enumerable: true, configurable: true, writable: false })
    this.file = file
    this.line = position.line
    this.column = position.column
    this.problem = problem
  }
}

function locationText(file: string, { line, column }: ConfigPosition): string {
  if (line === undefined) return file
  return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`
}

/** Anything from the yaml library's tree that may carry a source range. */
export interface Ranged {
  readonly range?: readonly [number, number, number] | null | undefined
}

/** Builds ConfigErrors that point at YAML nodes of one parsed file. */
export class ConfigLocator {
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  /** The 1-based position where `node` starts; the first node in `nodes` that has a range wins. */
  positionOf(...nodes: readonly (Ranged | null | undefined)[]): ConfigPosition {
    for (const node of nodes) {
      const start = node?.range?.[0]
      if (start !== undefined) {
        const { line, col } = this.lines.linePos(start)
        return { line, column: col }
      }
    }
    return {}
  }

  lineOf(...nodes: readonly (Ranged | null | undefined)[]): number | undefined {
    return this.positionOf(...nodes).line
  }

  at(problem: string, ...nodes: readonly (Ranged | null | undefined)[]): ConfigError {
    return new ConfigError(this.file, problem, this.positionOf(...nodes))
  }

  /** A syntax error from the yaml library: its text without the "at line, column" it repeats, plus its frame. */
  syntax(error: YAMLError): ConfigError {
    const [start] = error.linePos ?? []
    const split = /^([\s\S]*?) at line \d+, column \d+:?\s*\n([\s\S]*)$/.exec(error.message)
    const problem = split?.[1] ?? error.message
    const frame = split?.[2]?.replace(/^\n+|\s+$/g, '')
    return new ConfigError(this.file, problem, start ? { line: start.line, column: start.col } : {}, frame || undefined)
  }
}

/** Config files are a few KiB; anything far larger is a mistake, and parsing it would take the node's memory. */
export const MAX_CONFIG_BYTES = 1024 * 1024

/** The text of a config file of at most `maxBytes`, or a ConfigError naming the file and why it could not be read. */
export function readConfigText(path: string, maxBytes: number = MAX_CONFIG_BYTES): string {
  let size: number
  try {
    size = statSync(path).size
  } catch (error) {
    throw new ConfigError(path, `cannot read the file: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (size > maxBytes) throw new ConfigError(path, `the file is too large: ${size} bytes, at most ${maxBytes}`)
  try {
    return decodeText(readFileSync(path))
  } catch (error) {
    throw new ConfigError(path, `cannot read the file: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * The file's text. Schemes are ASCII in practice, and an ASCII file decoded as Latin-1 is the same string, made
 * several times faster than by the UTF-8 decoder (a 10 MB scheme of 10^5 tokens: 0.1-0.3 s against a few ms),
 * which a restarting node waits for.
 */
function decodeText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
}

/** Parses one YAML document, failing on its first syntax error (duplicate keys included). */
export function parseConfigDocument(text: string, file: string): { contents: ParsedNode | null; at: ConfigLocator } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines })
  const at = new ConfigLocator(file, lines)
  const [first] = doc.errors
  if (first !== undefined) throw at.syntax(first)
  // Aliases would let a small file stand for a huge one (billion laughs); a config never needs them.
  visit(doc, {
    Alias: (_, node) => {
      throw at.at(`YAML aliases (*${node.source}) are not supported in config files`, node)
    },
  })
  return { contents: doc.contents, at }
}

/** A short phrase for what a YAML node holds, for "expected X, got Y" messages. */
export function describeNode(node: unknown): string {
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  if (!isScalar(node)) return 'nothing'
  const { value } = node
  if (value === null) return 'an empty value'
  if (typeof value === 'string') return `the string "${value}"`
  if (typeof value === 'boolean') return `the boolean ${value}`
  return `the number ${node.source ?? String(value)}`
}
