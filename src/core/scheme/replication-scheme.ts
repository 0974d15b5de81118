import { InvalidArgumentError } from '../errors.js'
import type { NodeId } from '../protocol/messages.js'

/** One token's replication: the node that writes it and the nodes that serve its reads. */
export interface TokenScheme {
  readonly token: string
  readonly writer: NodeId
  readonly readers: readonly NodeId[]
}

/** A token id: 1 to 128 characters, letters, digits and . _ : -, not starting with a punctuation mark. */
export const TOKEN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/**
 * A copy of a token's readers, checked: non-empty, each once. Not frozen: V8 runs `includes` and for-of on frozen
 * arrays about four times slower, and these run on every replica message (readonly in its type instead).
 */
function checkedReaders(entry: TokenScheme): readonly NodeId[] {
  if (entry.readers.length === 0) throw new InvalidArgumentError(`token ${entry.token} has no readers`)
  if (new Set(entry.readers).size !== entry.readers.length) {
    throw new InvalidArgumentError(`token ${entry.token} lists a reader twice`)
  }
  return [...entry.readers]
}

/**
 * The static replication scheme: which node writes and which nodes read each token. A token's replicas are its
 * writer and readers, each once; quorums are counted over them.
 */
export class ReplicationScheme {
  private readonly byToken = new Map<string, TokenScheme>()
  /** Each node's tokens, listed once: a node starting with 10^5 tokens asks several times. Nodes of the scheme only. */
  private readonly byNode = new Map<NodeId, readonly string[]>()

  constructor(entries: readonly TokenScheme[]) {
    // Tokens that share one readers array share one checked copy: a large scheme holds a few lists, not one per token.
    const copies = new Map<readonly NodeId[], readonly NodeId[]>()
    for (const entry of entries) {
      if (!TOKEN_ID.test(entry.token)) throw new InvalidArgumentError(`invalid token id "${entry.token}"`)
      if (this.byToken.has(entry.token)) throw new InvalidArgumentError(`duplicate token id "${entry.token}"`)
      let readers = copies.get(entry.readers)
      if (readers === undefined) {
        readers = checkedReaders(entry)
        copies.set(entry.readers, readers)
      }
      this.byToken.set(entry.token, { token: entry.token, writer: entry.writer, readers })
    }
  }

  get entries(): readonly TokenScheme[] {
    return [...this.byToken.values()]
  }

  get(token: string): TokenScheme | undefined {
    return this.byToken.get(token)
  }

  replicasOf(token: string): readonly NodeId[] {
    const entry = this.byToken.get(token)
    if (entry === undefined) return []
    return entry.readers.includes(entry.writer) ? entry.readers : [entry.writer, ...entry.readers]
  }

  /** Tokens that `node` writes, reads or stores, in the scheme's order (one shared list per node). */
  tokensOf(node: NodeId): readonly string[] {
    let tokens = this.byNode.get(node)
    if (tokens === undefined) {
      const list: string[] = []
      for (const e of this.byToken.values()) if (e.writer === node || e.readers.includes(node)) list.push(e.token)
      // Only nodes of the scheme are remembered: the map stays as small as the scheme's node list.
      if (list.length > 0) this.byNode.set(node, list)
      tokens = list
    }
    return tokens
  }

  nodes(): NodeId[] {
    const all = new Set<NodeId>()
    for (const e of this.byToken.values()) {
      all.add(e.writer)
      for (const r of e.readers) all.add(r)
    }
    return [...all].sort()
  }

  /**
   * A canonical text of the scheme: equal schemes give equal text whatever the order of tokens in the file. It is
   * exactly `JSON.stringify` of the sorted `[token, writer, readers]` triples (nodes compare its hash, so the text
   * must not change between versions).
   */
  canonical(): string {
    const pieces: string[] = []
    this.emitCanonical((piece) => pieces.push(piece))
    return pieces.join('')
  }

  /**
   * Emits the canonical text piece by piece, in order, so that a hash of it needs no 7 MB string at 10^5 tokens.
   * A token id needs no escaping (TOKEN_ID); writers and readers lists are few and shared, so each is stringified
   * once.
   */
  emitCanonical(emit: (piece: string) => void): void {
    // The default sort orders strings by UTF-16 code units, as `<` does, without a comparator call per pair.
    const tokens = [...this.byToken.keys()].sort()
    const texts = new Map<unknown, string>()
    const json = (value: string | readonly string[]): string => {
      let text = texts.get(value)
      if (text === undefined) texts.set(value, (text = JSON.stringify(value)))
      return text
    }
    emit('[')
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!
      const entry = this.byToken.get(token)!
      emit(i === 0 ? '["' : ',["')
      emit(token)
      emit('",')
      emit(json(entry.writer))
      emit(',')
      emit(json(entry.readers))
      emit(']')
    }
    emit(']')
  }
}
