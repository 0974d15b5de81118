import test from 'ava'
import type { Hasher } from '../../src/core/ports/hasher.js'
import { argminRange } from '../../src/core/hash/sha256-argmin.js'
import { InlineHasher } from '../../src/plugins/inline-hasher/inline-hasher.js'
import { NativeHasher } from '../../src/plugins/native-hasher/native-hasher.js'
import { WasmHasher } from '../../src/plugins/wasm-hasher/wasm-hasher.js'
import { WorkerPoolHasher } from '../../src/plugins/worker-pool-hasher/worker-pool-hasher.js'
import { nativeKernelOrReason } from '../support/native-kernel.js'

// Tiny chunks and inline bound, so that the vectors cross many chunk boundaries on the pool.
const smallPool = () => new WorkerPoolHasher({ threads: 2, chunkValues: 777, inlineMaxValues: 16, maxQueuedChunks: 64 })
// The native hasher's tests are skipped, the reason in their titles, where its kernel cannot run.
const native = nativeKernelOrReason()
const implementations: [string, () => Hasher, typeof test.skip][] = [
  ['inline', () => new InlineHasher(), test],
  ['wasm', () => new WasmHasher(), test],
  ['worker-pool', smallPool, test],
  typeof native === 'string'
    ? [`native (skipped: ${native})`, () => new NativeHasher(), test.skip]
    : ['native', () => new NativeHasher(), test],
]

const vectors: [string, bigint, bigint, bigint][] = [
  ['abc', 0n, 10n, 4n],
  ['abc', 10n, 100n, 70n],
  ['hello', 0n, 1000n, 826n],
  ['token-name', 0n, 100000n, 255n],
  ['big', 18446744073709551000n, 18446744073709551615n, 18446744073709551084n],
]

for (const [name, make, test] of implementations) {
  test(`${name}: the argmin vectors`, async (t) => {
    const hasher = make()
    for (const [n, low, high, nonce] of vectors) {
      const result = await hasher.argmin({ name: n, low, high }, new AbortController().signal)
      t.is(result?.nonce, nonce, `${n} [${low}, ${high})`)
    }
    await hasher.close()
  })

  test(`${name}: an empty range has no argmin`, async (t) => {
    const hasher = make()
    t.is(await hasher.argmin({ name: 'x', low: 5n, high: 5n }, new AbortController().signal), undefined)
    await hasher.close()
  })

  test(`${name}: UTF-8 names hash as their bytes`, async (t) => {
    const hasher = make()
    const a = await hasher.argmin({ name: '名前 é', low: 0n, high: 50n }, new AbortController().signal)
    const b = await hasher.argmin({ name: 'name e', low: 0n, high: 50n }, new AbortController().signal)
    t.truthy(a)
    t.notDeepEqual(a, b)
    await hasher.close()
  })
}

test('worker-pool: chunked results equal the single-range argmin, whatever the chunk boundaries', async (t) => {
  const hasher = smallPool()
  for (const [name, low, high] of [
    ['a', 0n, 5000n],
    ['chunk', 776n, 3109n],
    ['edge', 18446744073709549000n, 18446744073709551615n],
  ] as const) {
    t.deepEqual(
      await hasher.argmin({ name, low, high }, new AbortController().signal),
      argminRange(name, low, high),
      `${name} [${low}, ${high})`,
    )
  }
  await hasher.close()
})

test('worker-pool: an aborted job rejects at once, its chunks stop, and the pool keeps serving', async (t) => {
  // One thread, one chunk of 10^9 values (minutes of work): only the in-chunk cancel flag can free the thread.
  const hasher = new WorkerPoolHasher({ threads: 1, chunkValues: 1e9, inlineMaxValues: 16, maxQueuedChunks: 64 })
  const controller = new AbortController()
  const started = Date.now()
  const big = hasher.argmin({ name: 'huge', low: 0n, high: 10n ** 9n }, controller.signal)
  setTimeout(() => controller.abort(), 50)
  await t.throwsAsync(Promise.resolve(big), { message: 'aborted' })
  t.deepEqual(
    await hasher.argmin({ name: 'abc', low: 0n, high: 10_000n }, new AbortController().signal),
    argminRange('abc', 0n, 10_000n),
  )
  t.true(Date.now() - started < 30_000, `took ${Date.now() - started} ms`)
  await hasher.close()
})
