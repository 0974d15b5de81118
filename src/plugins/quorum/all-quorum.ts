import { InvalidArgumentError } from '../../core/errors.js'
import type { QuorumStrategy } from '../../core/ports/quorum-strategy.js'

/**
 * Read-impose write-all (the fail-stop algorithm, §4.2): waits for every replica. Correct only with a perfect
 * failure detector; in a fail-silent world one silent replica blocks every operation on its token until the
 * deadline. Offered for comparison and for clusters that want reads from a single replica's worth of agreement.
 */
export class AllQuorum implements QuorumStrategy {
  readonly name = 'all'

  readQuorum(replicas: number): number {
    return replicas
  }

  writeQuorum(replicas: number): number {
    return replicas
  }

  validate(replicas: number): void {
    if (!Number.isInteger(replicas) || replicas < 1)
      throw new InvalidArgumentError(`a token needs >= 1 replica, got ${replicas}`)
  }
}
