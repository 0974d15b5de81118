import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  createNativeArgminKernel,
  type NativeShaArgminKernel,
} from '../../src/plugins/native-hasher/native-argmin-kernel.js'

/** The native kernel, or why it cannot run here (not built, no SHA extensions): tests on it skip with that reason. */
export function nativeKernelOrReason(): NativeShaArgminKernel | string {
  return createNativeArgminKernel()
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0
}

/** A C compiler on the PATH, if any. */
export function cCompiler(): string | undefined {
  return ['cc', 'gcc', 'clang'].find(onPath)
}

/** The Node-API headers beside the node binary (where the build looks for them). */
export function nodeApiHeader(): string {
  return join(dirname(dirname(process.execPath)), 'include', 'node', 'node_api.h')
}

/**
 * Why this machine must run the native kernel, or undefined when it need not: an x86-64 Linux CPU listing
 * sha_ni, a C compiler on the PATH and the Node headers beside the node binary. There, falling back to WASM
 * would be a silent loss of speed (a broken build or loader), so tests demand the native kernel.
 */
export function nativeExpectedBecause(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined
  let cpuinfo: string
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  } catch {
    return undefined
  }
  if (!/^flags\s*:.*\bsha_ni\b/m.test(cpuinfo)) return undefined
  const compiler = cCompiler()
  if (compiler === undefined) return undefined
  const headers = nodeApiHeader()
  if (!existsSync(headers)) return undefined
  return `/proc/cpuinfo lists sha_ni, ${compiler} is on the PATH and ${headers} exists`
}
