import { injectable } from 'inversify'
import { argminRange } from '../../core/hash/sha256-argmin.js'
import type { ArgminRequest, Hasher } from '../../core/ports/hasher.js'
import type { Argmin } from '../../core/token/argmin.js'

/**
 * Hashes on the calling thread and answers in place. Right for simulations (deterministic, synchronous) and
 * small domains; a large domain blocks the event loop for its whole duration.
 */
@injectable()
export class InlineHasher implements Hasher {
  argmin(request: ArgminRequest, signal: AbortSignal): Argmin | undefined {
    if (signal.aborted) return undefined
    return argminRange(request.name, request.low, request.high)
  }

  async close(): Promise<void> {}
}
