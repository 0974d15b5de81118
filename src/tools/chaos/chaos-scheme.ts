import type { SeededRandom } from '../../plugins/in-process/seeded-random.js'

/** One token of the generated scheme, nodes as indices into the cluster's access points. */
export interface ChaosToken {
  readonly token: string
  readonly writer: number
  readonly readers: readonly number[]
}

/** The token's replicas (writer and readers, each once), as node indices. */
export function replicasOf(token: ChaosToken): number[] {
  return token.readers.includes(token.writer) ? [...token.readers] : [token.writer, ...token.readers]
}

/** Largest number of replicas that may be unavailable while a majority still answers. */
export function faultBudget(token: ChaosToken): number {
  return Math.floor((replicasOf(token).length - 1) / 2)
}

/**
 * A scheme of `tokenCount` tokens over `nodeCount` nodes: replica sets of 3 to 5 (at most nodeCount), writers
 * spread over the nodes, the writer a reader on about half the tokens. The first two tokens always cover both
 * cases (writer-also-reader and not), so every run exercises them.
 */
export function generateScheme(random: SeededRandom, nodeCount: number, tokenCount: number): ChaosToken[] {
  const nodes = Array.from({ length: nodeCount }, (_, i) => i)
  const tokens: ChaosToken[] = []
  for (let i = 0; i < tokenCount; i++) {
    const size = random.int(Math.min(3, nodeCount), Math.min(5, nodeCount))
    const replicas = random.sample(nodes, size)
    const writer = replicas[0]!
    const writerReads = i === 0 ? true : i === 1 ? false : random.chance(0.5)
    const readers = writerReads ? replicas : replicas.slice(1)
    tokens.push({ token: `t${i}`, writer, readers })
  }
  return tokens
}

export function schemeYaml(tokens: readonly ChaosToken[], addresses: readonly string[]): string {
  return tokens
    .map(
      (t) =>
        `- token: ${t.token}\n  writer: ${addresses[t.writer]}\n` +
        `  readers: [${t.readers.map((r) => addresses[r]).join(', ')}]\n`,
    )
    .join('')
}
