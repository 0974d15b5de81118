import { createRequire } from 'node:module'
import { join } from 'node:path'
import { InvalidArgumentError } from '../../core/errors.js'
import type { Argmin } from '../../core/token/argmin.js'
import { packageRoot } from '../grpc/package-root.js'
import type { ArgminKernel } from '../wasm-hasher/wasm-argmin-kernel.js'

/** The exports of dist/native/argmin_shani.node (src/plugins/native-hasher/native/napi-addon.c). */
export interface NativeArgminAddon {
  /** null when this CPU has the SHA extensions the kernel runs on, else why not. */
  readonly unsupported: string | null
  /** Bytes of a prepared name (midstate and remainder). */
  readonly nameStateBytes: number
  prepareName(nameUtf8: Uint8Array, state: Uint8Array): void
  /** Over [low, last], inclusive so that the top of uint64 fits; out = [nonce, hash]; hashes compared after & mask. */
  argmin(state: Uint8Array, low: bigint, last: bigint, out: BigUint64Array, mask?: bigint): void
}

const UINT64_LIMIT = 1n << 64n

/** Where `npm run build` puts the addon: the same path from dist/src and dist/test. */
export function defaultAddonPath(): string {
  return join(packageRoot(), 'dist', 'native', 'argmin_shani.node')
}

/** The addon at path, or why it does not load (not built, built for another platform). */
export function loadNativeAddon(path: string): NativeArgminAddon | string {
  try {
    return createRequire(import.meta.url)(path) as NativeArgminAddon
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error)
  }
}

/** Drives the addon; the prepared name stays in a buffer of this kernel between calls with the same name. */
export class NativeShaArgminKernel implements ArgminKernel {
  readonly kind = 'native-sha'
  private readonly state: Uint8Array
  private readonly result = new BigUint64Array(2)
  private name: string | undefined

  constructor(readonly addon: NativeArgminAddon) {
    this.state = new Uint8Array(addon.nameStateBytes)
  }

  argminRange(name: string, low: bigint, high: bigint): Argmin | undefined {
    if (low < 0n || low > UINT64_LIMIT || high < 0n || high > UINT64_LIMIT) {
      throw new InvalidArgumentError(`range [${low}, ${high}) must lie within [0, 2^64]`)
    }
    if (low >= high) return undefined
    this.setName(name)
    this.addon.argmin(this.state, low, high - 1n, this.result)
    return { nonce: this.result[0], hash: this.result[1] }
  }

  private setName(name: string): void {
    if (name === this.name) return
    // Buffer.from encodes a lone surrogate as U+FFFD, as TextEncoder and node:crypto do.
    this.addon.prepareName(Buffer.from(name, 'utf8'), this.state)
    this.name = name
  }
}

/** The native kernel when the addon is built and this CPU can run it, else why not. */
export function createNativeArgminKernel(path: string = defaultAddonPath()): NativeShaArgminKernel | string {
  const addon = loadNativeAddon(path)
  if (typeof addon === 'string') return `the native addon does not load: ${addon}`
  if (addon.unsupported !== null) return `the native addon cannot run here: ${addon.unsupported}`
  return new NativeShaArgminKernel(addon)
}
