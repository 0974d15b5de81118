import { InvalidArgumentError } from '../../core/errors.js'
import type { QuorumStrategy } from '../../core/ports/quorum-strategy.js'

/**
 * Fixed read and write quorum sizes (e.g. R=1, W=N for cheap reads). Every token must satisfy R + W > N and
 * R, W <= N, or its reads could miss the latest write; `validate` rejects such a token at start.
 */
export class FlexibleQuorum implements QuorumStrategy {
  readonly name = 'flexible'

  constructor(
    readonly read: number,
    readonly write: number,
  ) {
    if (!Number.isInteger(read) || !Number.isInteger(write) || read < 1 || write < 1) {
      throw new InvalidArgumentError(`flexible quorum sizes must be positive integers, got read=${read} write=${write}`)
    }
  }

  readQuorum(): number {
    return this.read
  }

  writeQuorum(): number {
    return this.write
  }

  validate(replicas: number): void {
    if (this.read > replicas || this.write > replicas) {
      throw new InvalidArgumentError(
        `flexible quorum read=${this.read} write=${this.write} exceeds ${replicas} replicas`,
      )
    }
    if (this.read + this.write <= replicas) {
      throw new InvalidArgumentError(
        `flexible quorum read=${this.read} + write=${this.write} must exceed ${replicas} replicas, or reads can miss writes`,
      )
    }
  }
}
