/*
 * Which kernel runs: the native one wherever the machine can build and run it (this test fails if such a
 * machine silently falls back), in worker threads too, TM_HASH_KERNEL to force one, and the order of fallbacks.
 */
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { chooseArgminKernel, type KernelSources } from '../../../src/plugins/native-hasher/load-argmin-kernel.js'
import { createNativeArgminKernel } from '../../../src/plugins/native-hasher/native-argmin-kernel.js'
import { type ArgminKernel, typescriptArgminKernel } from '../../../src/plugins/wasm-hasher/wasm-argmin-kernel.js'
import { cCompiler, nativeExpectedBecause, nativeKernelOrReason, nodeApiHeader } from '../../support/native-kernel.js'
import { repoRoot } from '../../support/repo-root.js'

const native = nativeKernelOrReason()

/** The kind a fresh worker thread's loadArgminKernel picks, with env as its environment. */
async function workerKernelKind(env: NodeJS.ProcessEnv): Promise<unknown> {
  const loader = pathToFileURL(
    join(repoRoot(), 'dist', 'src', 'plugins', 'native-hasher', 'load-argmin-kernel.js'),
  ).href
  const script = `
    import { parentPort } from 'node:worker_threads'
    import { loadArgminKernel } from ${JSON.stringify(loader)}
    const kernel = loadArgminKernel()
    parentPort.postMessage({ kind: kernel.kind, nonce: String(kernel.argminRange('hello', 0n, 1000n)?.nonce) })`
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(script)}`), { env })
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
  } finally {
    await worker.terminate()
  }
}

const fake = (kind: ArgminKernel['kind']): ArgminKernel => ({ kind, argminRange: typescriptArgminKernel.argminRange })

test('where the CPU has SHA-NI and a C compiler is installed, the native kernel is picked (not a silent fallback)', (t) => {
  const because = nativeExpectedBecause()
  if (because === undefined) {
    t.log(
      `not required on this machine (no sha_ni in /proc/cpuinfo, no C compiler or no Node headers); native: ${typeof native === 'string' ? native : 'runs'}`,
    )
    t.pass()
    return
  }
  const choice = chooseArgminKernel(undefined)
  t.is(choice.kernel.kind, 'native-sha', `${because}, yet the loader passed it over: ${choice.passedOver.join('; ')}`)
})

test('a worker thread (as in the worker pool) picks the best kernel on its own, and TM_HASH_KERNEL forces one', async (t) => {
  const best = typeof native === 'string' ? 'wasm-simd' : 'native-sha'
  const { TM_HASH_KERNEL: _ignored, ...env } = process.env
  t.deepEqual(await workerKernelKind(env), { kind: best, nonce: '826' })
  t.deepEqual(await workerKernelKind({ ...env, TM_HASH_KERNEL: 'wasm-simd' }), { kind: 'wasm-simd', nonce: '826' })
  t.deepEqual(await workerKernelKind({ ...env, TM_HASH_KERNEL: 'typescript' }), { kind: 'typescript', nonce: '826' })
})

test('the fallbacks: native, else WASM SIMD, else TypeScript, with the reasons for each kernel passed over', (t) => {
  const both: KernelSources = { nativeSha: () => fake('native-sha'), wasmSimd: () => fake('wasm-simd') }
  t.deepEqual(chooseArgminKernel(undefined, both).passedOver, [])
  t.is(chooseArgminKernel(undefined, both).kernel.kind, 'native-sha')
  t.is(chooseArgminKernel('', both).kernel.kind, 'native-sha')
  const noNative: KernelSources = { nativeSha: () => 'no SHA here', wasmSimd: () => fake('wasm-simd') }
  t.deepEqual(chooseArgminKernel(undefined, noNative).passedOver, ['native-sha: no SHA here'])
  t.is(chooseArgminKernel(undefined, noNative).kernel.kind, 'wasm-simd')
  const neither: KernelSources = { nativeSha: () => 'not built', wasmSimd: () => 'no WASM' }
  const last = chooseArgminKernel(undefined, neither)
  t.is(last.kernel, typescriptArgminKernel)
  t.deepEqual(last.passedOver, ['native-sha: not built', 'wasm-simd: no WASM'])
})

test('a forced kernel is that kernel or an error, never another one', (t) => {
  const both: KernelSources = { nativeSha: () => fake('native-sha'), wasmSimd: () => fake('wasm-simd') }
  t.is(chooseArgminKernel('wasm-simd', both).kernel.kind, 'wasm-simd')
  t.is(chooseArgminKernel('typescript', both).kernel.kind, 'typescript')
  const noNative: KernelSources = { nativeSha: () => 'no SHA here', wasmSimd: () => fake('wasm-simd') }
  t.throws(() => chooseArgminKernel('native-sha', noNative), { message: 'TM_HASH_KERNEL=native-sha, but no SHA here' })
  t.throws(() => chooseArgminKernel('native', noNative), {
    message: /expected one of native-sha, wasm-simd, typescript/,
  })
})

test('an addon that is not there is a reason, not an exception', (t) => {
  const reason = createNativeArgminKernel(join(repoRoot(), 'no-such-dir', 'argmin_shani.node'))
  t.is(typeof reason, 'string')
  t.regex(reason as string, /^the native addon does not load: /)
})

test('an addon built without the SHA path (as on a CPU or architecture without it) says why, and WASM runs', (t) => {
  const compiler = cCompiler()
  if (compiler === undefined || !existsSync(nodeApiHeader())) {
    t.log('no C compiler or no Node headers here: nothing to build')
    t.pass()
    return
  }
  const sources = join(repoRoot(), 'src', 'plugins', 'native-hasher', 'native')
  const addon = join(mkdtempSync(join(tmpdir(), 'argmin-stub-')), 'argmin_shani.node')
  const built = spawnSync(
    compiler,
    [
      '-std=gnu11',
      '-DARGMIN_NO_SHANI',
      '-DNAPI_VERSION=8',
      `-I${dirname(nodeApiHeader())}`,
      '-shared',
      '-fPIC',
      ...['argmin-shani.c', 'cpu-features.c', 'napi-addon.c'].map((file) => join(sources, file)),
      '-o',
      addon,
    ],
    { encoding: 'utf8' },
  )
  t.is(built.status, 0, built.stderr)
  const reason = createNativeArgminKernel(addon)
  t.is(reason, 'the native addon cannot run here: unsupported: the native kernel has an x86-64 SHA-NI path only')
  const choice = chooseArgminKernel(undefined, {
    nativeSha: () => createNativeArgminKernel(addon),
    wasmSimd: () => fake('wasm-simd'),
  })
  t.is(choice.kernel.kind, 'wasm-simd')
  t.deepEqual(choice.passedOver, [`native-sha: ${reason}`])
})
