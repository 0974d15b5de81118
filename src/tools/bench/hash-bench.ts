#!/usr/bin/env node
/*
 * npm run bench:hash [-- --json]: single-thread SHA-256 argmin rates in one run: the native kernel on the CPU's
 * SHA instructions and the WASM SIMD kernel (each on a 7-byte name, one block per hash, and a 100-byte name,
 * prefix hashed once), the TypeScript kernel, node:crypto with one createHash per nonce, and `openssl speed
 * -evp sha256 -bytes 16`; then each kernel / openssl against its target (native 2.5x, issue 13; WASM 1.5x,
 * issue 4). In-process rates use this process's CPU time (user + system), and openssl speed divides by its own
 * CPU (user) time by default; each rate is the median of 5 runs. The ratios are medians of per-repetition ratios,
 * each kernel run measured right next to its openssl run: this VM's speed drifts by tens of percent within
 * minutes (a shared host), and pairs close in time cancel most of that drift.
 */
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createNativeArgminKernel } from '../../plugins/native-hasher/native-argmin-kernel.js'
import {
  type ArgminKernel,
  loadWasmArgminKernel,
  typescriptArgminKernel,
} from '../../plugins/wasm-hasher/wasm-argmin-kernel.js'
import { opensslSha256Rate } from './openssl-speed.js'

const REPETITIONS = 5
const TARGETS = { native: 2.5, wasm: 1.5 }
const SHORT_NAME = 'token-1'
const LONG_NAME = 'a-token-name-of-one-hundred-bytes/'.padEnd(100, 'x')

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    nonces: { type: 'string', default: String(2 ** 24) },
    'openssl-seconds': { type: 'string', default: '3' },
  },
})
const kernelNonces = BigInt(values.nonces)
const opensslSeconds = Number(values['openssl-seconds'])

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Hashes per CPU second of run(), which hashes `count` nonces. */
function cpuRate(count: bigint, run: () => void): number {
  const before = process.cpuUsage()
  run()
  const used = process.cpuUsage(before)
  return Number(count) / ((used.user + used.system) / 1e6)
}

function cryptoArgmin(name: string, count: bigint): void {
  let best = 1n << 64n
  for (let x = 0n; x < count; x++) {
    const hash = createHash('sha256').update(`${name} ${x}`).digest().readBigUInt64BE(0)
    if (hash < best) best = hash
  }
}

/** One kernel's samples on both names, and its ratios to openssl. */
interface KernelSamples {
  readonly label: string
  readonly kernel: ArgminKernel | undefined
  readonly unavailable?: string
  readonly shortName: number[]
  readonly longName: number[]
}

function kernelSamples(label: string, kernel: ArgminKernel | string): KernelSamples {
  if (typeof kernel === 'string') return { label, kernel: undefined, unavailable: kernel, shortName: [], longName: [] }
  kernel.argminRange(SHORT_NAME, 0n, 100_000n) // warm-up: lets the engine tier the hot loop up
  return { label, kernel, shortName: [], longName: [] }
}

function measure(samples: KernelSamples, name: string, into: number[]): void {
  if (samples.kernel !== undefined)
    into.push(cpuRate(kernelNonces, () => samples.kernel!.argminRange(name, 0n, kernelNonces)))
}

const wasm = loadWasmArgminKernel()
const native = kernelSamples('native SHA kernel', createNativeArgminKernel())
const simd = kernelSamples('WASM SIMD kernel', wasm.kind === 'wasm-simd' ? wasm : 'the WASM kernel is not built')
const typescriptNonces = kernelNonces / 4n
const cryptoNonces = kernelNonces / 16n

// Repetitions interleave the measures, so a burst of load on this machine hits all of them alike; both kernels'
// short-name runs sit right before and after openssl's.
const others = { typescriptShortName: [] as number[], nodeCryptoShortName: [] as number[] }
const opensslSamples: (number | undefined)[] = []
for (let i = 0; i < REPETITIONS; i++) {
  others.typescriptShortName.push(
    cpuRate(typescriptNonces, () => typescriptArgminKernel.argminRange(SHORT_NAME, 0n, typescriptNonces)),
  )
  others.nodeCryptoShortName.push(cpuRate(cryptoNonces, () => cryptoArgmin(SHORT_NAME, cryptoNonces)))
  measure(simd, SHORT_NAME, simd.shortName)
  opensslSamples.push(opensslSha256Rate(opensslSeconds))
  measure(native, SHORT_NAME, native.shortName)
  measure(native, LONG_NAME, native.longName)
  measure(simd, LONG_NAME, simd.longName)
}
const openssl = opensslSamples.every((rate) => rate !== undefined) ? median(opensslSamples as number[]) : undefined

/** A kernel's medians, and the medians over repetitions of kernel_i / openssl_i (each pair ran back to back). */
function summary(samples: KernelSamples, target: number) {
  const runs = (rates: number[]) => (openssl === undefined ? [] : rates.map((rate, i) => rate / opensslSamples[i]!))
  const ratioRuns = runs(samples.shortName)
  const ratio = ratioRuns.length > 0 ? median(ratioRuns) : undefined
  const longRatio = samples.longName.length > 0 && openssl !== undefined ? median(runs(samples.longName)) : undefined
  return {
    available: samples.kernel !== undefined,
    unavailable: samples.unavailable,
    shortName: samples.shortName.length > 0 ? median(samples.shortName) : undefined,
    longName: samples.longName.length > 0 ? median(samples.longName) : undefined,
    ratio,
    ratioRuns,
    longRatio,
    targetRatio: target,
    targetMet: ratio === undefined ? undefined : ratio >= target,
  }
}
const nativeSummary = summary(native, TARGETS.native)
const wasmSummary = summary(simd, TARGETS.wasm)
const rates = {
  typescriptShortName: median(others.typescriptShortName),
  nodeCryptoShortName: median(others.nodeCryptoShortName),
}

if (values.json) {
  const report = {
    nonces: Number(kernelNonces),
    native: nativeSummary,
    wasm: wasmSummary,
    hashesPerSecond: { ...rates, openssl16Bytes: openssl },
  }
  process.stdout.write(`${JSON.stringify(report)}\n`)
} else {
  const mega = (rate: number | undefined) => (rate === undefined ? 'n/a' : `${(rate / 1e6).toFixed(2)} M/s`)
  const row = (what: string, rate: number | undefined) => `  ${`${what}:`.padEnd(62)} ${mega(rate)}`
  const kernelLines = (label: string, s: typeof nativeSummary) =>
    s.available
      ? [
          row(`${label}, "${SHORT_NAME}" (1 block), ${kernelNonces} nonces`, s.shortName),
          row(`${label}, ${LONG_NAME.length}-byte name, ${kernelNonces} nonces`, s.longName),
        ]
      : [`  ${label}: not available (${s.unavailable})`]
  const ratioLine = (label: string, s: typeof nativeSummary) =>
    `${label} / openssl, median of paired runs: ${s.ratio?.toFixed(2) ?? 'n/a'} ("${SHORT_NAME}"; runs ${s.ratioRuns.map((r) => r.toFixed(2)).join(', ')}), ` +
    `${s.longRatio?.toFixed(2) ?? 'n/a'} (${LONG_NAME.length}-byte name); target >= ${s.targetRatio}x: ${s.targetMet === undefined ? 'unknown' : s.targetMet ? 'met' : 'NOT met'}`
  const lines = [
    `single thread, CPU time, median of ${REPETITIONS}`,
    ...kernelLines('native SHA kernel', nativeSummary),
    ...kernelLines('WASM SIMD kernel', wasmSummary),
    row(`TypeScript kernel, "${SHORT_NAME}", ${typescriptNonces} nonces`, rates.typescriptShortName),
    row(`node:crypto per hash, "${SHORT_NAME}", ${cryptoNonces} nonces`, rates.nodeCryptoShortName),
    row(`openssl speed -evp sha256 -bytes 16 -seconds ${opensslSeconds}`, openssl),
    ratioLine('native SHA kernel', nativeSummary),
    ratioLine('WASM SIMD kernel', wasmSummary),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
