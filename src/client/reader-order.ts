/** The readers in random order (Fisher-Yates): spreads reads over the replicas, and failover tries each once. */
export function readerOrder(readers: readonly string[], random: () => number = Math.random): string[] {
  const order = [...readers]
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}
