import { InvalidArgumentError } from '../../core/errors.js'
import type { QuorumStrategy } from '../../core/ports/quorum-strategy.js'

/** Read-impose write-majority (§4.3, ABD): floor(N/2)+1 for both phases; live with any silent minority. */
export class MajorityQuorum implements QuorumStrategy {
  readonly name = 'majority'

  readQuorum(replicas: number): number {
    return Math.floor(replicas / 2) + 1
  }

  writeQuorum(replicas: number): number {
    return Math.floor(replicas / 2) + 1
  }

  validate(replicas: number): void {
    if (!Number.isInteger(replicas) || replicas < 1)
      throw new InvalidArgumentError(`a token needs >= 1 replica, got ${replicas}`)
  }
}
