import { type ArgminKernel, loadWasmArgminKernel, typescriptArgminKernel } from '../wasm-hasher/wasm-argmin-kernel.js'
import { createNativeArgminKernel } from './native-argmin-kernel.js'

/** Forces one kernel (`native-sha`, `wasm-simd` or `typescript`), for tests and benchmarks; unset picks the best. */
export const HASH_KERNEL_ENV = 'TM_HASH_KERNEL'

export type ArgminKernelKind = ArgminKernel['kind']
export const ARGMIN_KERNEL_KINDS: readonly ArgminKernelKind[] = ['native-sha', 'wasm-simd', 'typescript']

/** Where each kernel comes from: a kernel, or why it cannot run here. Replaceable in tests. */
export interface KernelSources {
  nativeSha(): ArgminKernel | string
  wasmSimd(): ArgminKernel | string
}

/** The kernel picked, and why each better one was passed over (for logs and the benchmark). */
export interface KernelChoice {
  readonly kernel: ArgminKernel
  readonly passedOver: readonly string[]
}

export const DEFAULT_KERNEL_SOURCES: KernelSources = {
  nativeSha: () => createNativeArgminKernel(),
  // The WASM loader falls back to TypeScript on its own; here that counts as the WASM kernel missing.
  wasmSimd: () => {
    const kernel = loadWasmArgminKernel()
    return kernel.kind === 'wasm-simd' ? kernel : 'the WASM SIMD kernel is not built or this engine lacks WASM SIMD'
  },
}

/**
 * The fastest kernel that runs here: native SHA instructions, else WASM SIMD, else TypeScript. A forced kind
 * must be available, or this throws (a benchmark or test asking for a kernel must not measure another one).
 */
export function chooseArgminKernel(
  forced: string | undefined,
  sources: KernelSources = DEFAULT_KERNEL_SOURCES,
): KernelChoice {
  if (forced !== undefined && forced !== '' && !ARGMIN_KERNEL_KINDS.includes(forced as ArgminKernelKind)) {
    throw new Error(`${HASH_KERNEL_ENV}=${forced}: expected one of ${ARGMIN_KERNEL_KINDS.join(', ')}`)
  }
  const candidates: [ArgminKernelKind, () => ArgminKernel | string][] = [
    ['native-sha', () => sources.nativeSha()],
    ['wasm-simd', () => sources.wasmSimd()],
    ['typescript', () => typescriptArgminKernel],
  ]
  const passedOver: string[] = []
  for (const [kind, source] of candidates) {
    if (forced && forced !== kind) continue
    const kernel = source()
    if (typeof kernel !== 'string') return { kernel, passedOver }
    if (forced) throw new Error(`${HASH_KERNEL_ENV}=${forced}, but ${kernel}`)
    passedOver.push(`${kind}: ${kernel}`)
  }
  throw new Error('unreachable: the TypeScript kernel always runs')
}

// Module state is per thread (each worker thread loads its own copy of this module), so is this cache.
let threadChoice: KernelChoice | undefined

/** This thread's choice (honouring TM_HASH_KERNEL), made once. */
export function argminKernelChoice(): KernelChoice {
  threadChoice ??= chooseArgminKernel(process.env[HASH_KERNEL_ENV])
  return threadChoice
}

/** This thread's kernel: the fastest one available (see chooseArgminKernel). Cached. */
export function loadArgminKernel(): ArgminKernel {
  return argminKernelChoice().kernel
}
