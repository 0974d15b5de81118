import { injectable } from 'inversify'
import type { ArgminRequest, Hasher } from '../../core/ports/hasher.js'
import type { Argmin } from '../../core/token/argmin.js'
import { type ArgminKernel, loadWasmArgminKernel } from './wasm-argmin-kernel.js'

/**
 * Hashes on the calling thread with the WASM SIMD kernel (the TypeScript one where WASM SIMD is missing) and
 * answers in place. Like InlineHasher, a large domain blocks the event loop for its whole duration.
 */
@injectable()
export class WasmHasher implements Hasher {
  private readonly kernel: ArgminKernel = loadWasmArgminKernel()

  /** 'wasm-simd', or 'typescript' when the kernel fell back. */
  get kind(): ArgminKernel['kind'] {
    return this.kernel.kind
  }

  argmin(request: ArgminRequest, signal: AbortSignal): Argmin | undefined {
    if (signal.aborted) return undefined
    return this.kernel.argminRange(request.name, request.low, request.high)
  }

  async close(): Promise<void> {}
}
