/** Who writes each token of a generated scheme: spread over the nodes as users would, or all on the first node. */
export type WriterLayout = 'spread' | 'first'

/**
 * The text of a generated replication scheme: tokens 1..`tokens`, each replicated on every address, all of them
 * readers. With `spread`, token i's writer is node i mod n, so every node writes a share of the tokens.
 * One line per key in the plain block layout, which the scheme loader reads without the full YAML parser.
 */
export function benchSchemeText(
  addresses: readonly string[],
  tokens: number,
  writers: WriterLayout = 'spread',
): string {
  const readers = `[${addresses.join(', ')}]`
  const lines: string[] = []
  for (let i = 1; i <= tokens; i++) {
    const writer = writers === 'spread' ? addresses[i % addresses.length] : addresses[0]
    lines.push(`- token: ${i}\n  writer: ${writer}\n  readers: ${readers}\n`)
  }
  return lines.join('')
}

/** The index of token `id`'s writer among the nodes of a scheme made by benchSchemeText. */
export function benchWriterIndex(id: number, nodes: number, writers: WriterLayout = 'spread'): number {
  return writers === 'spread' ? id % nodes : 0
}
