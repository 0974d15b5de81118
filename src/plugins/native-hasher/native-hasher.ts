import { injectable } from 'inversify'
import type { ArgminRequest, Hasher } from '../../core/ports/hasher.js'
import type { Argmin } from '../../core/token/argmin.js'
import { createNativeArgminKernel, type NativeShaArgminKernel } from './native-argmin-kernel.js'

/**
 * Hashes on the calling thread with the native SHA-instruction kernel and answers in place (as WasmHasher does
 * with the WASM one). Nodes normally get this kernel through the worker pool, whose threads pick it on their
 * own; this hasher exists to hold the kernel to the Hasher port's contract. Throws where the kernel cannot run.
 */
@injectable()
export class NativeHasher implements Hasher {
  private readonly kernel: NativeShaArgminKernel

  constructor() {
    const kernel = createNativeArgminKernel()
    if (typeof kernel === 'string') throw new Error(`NativeHasher: ${kernel}`)
    this.kernel = kernel
  }

  get kind(): 'native-sha' {
    return this.kernel.kind
  }

  argmin(request: ArgminRequest, signal: AbortSignal): Argmin | undefined {
    if (signal.aborted) return undefined
    return this.kernel.argminRange(request.name, request.low, request.high)
  }

  async close(): Promise<void> {}
}
