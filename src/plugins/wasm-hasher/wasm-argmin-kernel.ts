import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidArgumentError } from '../../core/errors.js'
import { argminRange as typescriptArgminRange } from '../../core/hash/sha256-argmin.js'
import type { Argmin } from '../../core/token/argmin.js'
import { packageRoot } from '../grpc/package-root.js'

/** argmin over [low, high) of H(name, x), ties to the smaller x, undefined when empty (as the core kernel). */
export interface ArgminKernel {
  readonly kind: 'native-sha' | 'wasm-simd' | 'typescript'
  argminRange(name: string, low: bigint, high: bigint): Argmin | undefined
}

/** The exports of dist/wasm/argmin-kernel.wasm (src/plugins/wasm-hasher/assembly/argmin-kernel.ts). */
export interface ArgminKernelExports {
  readonly memory: { readonly buffer: ArrayBuffer }
  nameBuffer(length: number): number
  setName(length: number): void
  /** Over [low, last], inclusive so that the top of uint64 fits an i64. */
  argmin(low: bigint, last: bigint): void
  resultFound(): number
  resultNonce(): bigint
  resultHash(): bigint
  offer(hi: number, lo: number, nonce: bigint): void
  resetBest(): void
}

/** The few WebAssembly JS API members used here (the project's lib has no DOM typings, which declare them). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: object }
  CompileError: new () => Error
  LinkError: new () => Error
}
/** Undefined where the engine has no WebAssembly at all (e.g. node --jitless). */
const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly

const UINT64_LIMIT = 1n << 64n
const utf8 = new TextEncoder()

/** Where `npm run build` puts the kernel: the same path from dist/src and dist/test. */
export function defaultWasmPath(): string {
  return join(packageRoot(), 'dist', 'wasm', 'argmin-kernel.wasm')
}

/** The pure-TypeScript kernel of src/core (the fallback). */
export const typescriptArgminKernel: ArgminKernel = { kind: 'typescript', argminRange: typescriptArgminRange }

/** Drives one instance of the WASM kernel; the name's bytes and midstate stay in its memory between calls. */
export class WasmSimdArgminKernel implements ArgminKernel {
  readonly kind = 'wasm-simd'
  private name: string | undefined

  constructor(readonly exports: ArgminKernelExports) {}

  argminRange(name: string, low: bigint, high: bigint): Argmin | undefined {
    if (low < 0n || low > UINT64_LIMIT || high < 0n || high > UINT64_LIMIT) {
      throw new InvalidArgumentError(`range [${low}, ${high}) must lie within [0, 2^64]`)
    }
    if (low >= high) return undefined
    this.setName(name)
    // i64 parameters take a bigint modulo 2^64, so high - 1 = 2^64 - 1 arrives as -1 and is read as u64.
    this.exports.argmin(low, high - 1n)
    return {
      nonce: BigInt.asUintN(64, this.exports.resultNonce()),
      hash: BigInt.asUintN(64, this.exports.resultHash()),
    }
  }

  /** Copies the name into linear memory (growing it) unless it is already there. */
  private setName(name: string): void {
    if (name === this.name) return
    const length = Buffer.byteLength(name, 'utf8')
    const at = this.exports.nameBuffer(length)
    // Read memory.buffer after nameBuffer: growing the memory detaches the previous ArrayBuffer.
    utf8.encodeInto(name, new Uint8Array(this.exports.memory.buffer, at, length))
    this.exports.setName(length)
    this.name = name
  }
}

/**
 * Compiles and instantiates the kernel at wasmPath synchronously (usable at worker start-up). Falls back to
 * the TypeScript kernel when the file is missing or the engine rejects it (no WASM SIMD).
 */
export function createArgminKernel(wasmPath: string = defaultWasmPath()): ArgminKernel {
  if (wasm === undefined) return typescriptArgminKernel
  let bytes: Buffer
  try {
    bytes = readFileSync(wasmPath)
  } catch {
    return typescriptArgminKernel
  }
  try {
    const instance = new wasm.Instance(new wasm.Module(bytes), {})
    return new WasmSimdArgminKernel(instance.exports as unknown as ArgminKernelExports)
  } catch (error) {
    if (error instanceof wasm.CompileError || error instanceof wasm.LinkError) return typescriptArgminKernel
    throw error
  }
}

// Module state is per thread (each worker thread loads its own copy of this module), so is this cache.
let threadKernel: ArgminKernel | undefined

/**
 * This thread's WASM kernel: the WASM SIMD one when built and supported, else the TypeScript one. Cached.
 * Hashers that take the best kernel of the machine use loadArgminKernel (native-hasher) instead.
 */
export function loadWasmArgminKernel(): ArgminKernel {
  threadKernel ??= createArgminKernel()
  return threadKernel
}
