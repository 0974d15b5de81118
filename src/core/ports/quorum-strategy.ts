/**
 * How many replicas a phase waits for. For N replicas of a token:
 * - a read's query, and the writer's learning round, wait for `readQuorum(N)` replies;
 * - a write and a read's impose wait for `writeQuorum(N)` acks.
 * Postcondition (checked by `validate`): 1 <= R, W <= N and R + W > N, so every read quorum meets every write
 * quorum; that intersection is what makes the register atomic.
 */
export interface QuorumStrategy {
  readonly name: string
  readQuorum(replicas: number): number
  writeQuorum(replicas: number): number
  /** Throws an InvalidArgumentError when this strategy cannot serve a token with `replicas` replicas. */
  validate(replicas: number): void
}

export const QuorumStrategy = Symbol('QuorumStrategy')
