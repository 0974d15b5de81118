/*
 * The native kernel beyond the shared property tests (argmin-kernels.test.ts): ties (provoked by comparing
 * only a few hash bits), long ranges against the WASM kernel, long names, and the addon's argument checks.
 * Skipped, with the reason in each title, where the kernel cannot run; load-argmin-kernel.test.ts fails
 * when that happens on a machine that should run it.
 */
import test from 'ava'
import fc from 'fast-check'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { loadWasmArgminKernel } from '../../../src/plugins/wasm-hasher/wasm-argmin-kernel.js'
import { nativeKernelOrReason } from '../../support/native-kernel.js'
import { cryptoHash, nameArb, referenceArgmin, TWO_64 } from '../../support/reference-argmin.js'

const native = nativeKernelOrReason()
const nativeTest = typeof native === 'string' ? test.skip : test
const suffix = typeof native === 'string' ? ` (skipped: ${native})` : ''
const kernel = () => {
  if (typeof native === 'string') throw new Error(native)
  return native
}

/** The argmin by definition with hashes cut to `mask`: strict <, so ties keep the smaller nonce. */
function maskedReference(name: string, low: bigint, high: bigint, mask: bigint): [bigint, bigint] {
  let best: [bigint, bigint] = [-1n, TWO_64]
  for (let x = low; x < high; x++) {
    const hash = cryptoHash(name, x) & mask
    if (hash < best[1]) best = [x, hash]
  }
  return best
}

/** The addon's argmin over [low, high) with hashes compared after & mask. */
function maskedNative(name: string, low: bigint, high: bigint, mask: bigint): [bigint, bigint] {
  const { addon } = kernel()
  const state = new Uint8Array(addon.nameStateBytes)
  const out = new BigUint64Array(2)
  addon.prepareName(Buffer.from(name), state)
  addon.argmin(state, low, high - 1n, out, mask)
  return [out[0], out[1]]
}

nativeTest(`ties go to the smaller nonce, whatever lane and batch the tied nonces land in${suffix}`, (t) => {
  // Three hash bits: about one nonce in eight ties the best, so every range below has ties.
  const mask = 0xe000000000000000n
  const range = fc
    .tuple(fc.bigInt({ min: 0n, max: TWO_64 - 1n }), fc.integer({ min: 1, max: 60 }))
    .map(([low, length]) => [low, low + BigInt(length) > TWO_64 ? TWO_64 : low + BigInt(length)] as const)
  fc.assert(
    fc.property(nameArb, range, (name, [low, high]) => {
      t.deepEqual(maskedNative(name, low, high, mask), maskedReference(name, low, high, mask))
    }),
    { numRuns: 150 },
  )
  // No hash bits at all: every nonce ties, so the first one wins.
  t.deepEqual(maskedNative('tie', 95n, 1005n, 0n), [95n, 0n])
})

nativeTest(`agrees with the WASM kernel over ranges of a million nonces${suffix}`, (t) => {
  const wasm = loadWasmArgminKernel()
  for (const [name, low, high] of [
    ['long-range', 999_500n, 2_000_500n],
    ['x'.repeat(70), 10n ** 12n - 400_000n, 10n ** 12n + 600_000n],
    ['top', TWO_64 - 1_000_000n, TWO_64],
  ] as const) {
    t.deepEqual(
      kernel().argminRange(name, low, high),
      wasm.argminRange(name, low, high),
      `${name.slice(0, 12)} [${low}, ${high})`,
    )
  }
})

nativeTest(`a long name (1 MB) hashes as its bytes, and switching names back and forth is exact${suffix}`, (t) => {
  const long = 'é'.repeat(300_000) + 'long-name'.repeat(50_000)
  t.deepEqual(kernel().argminRange(long, 95n, 105n), referenceArgmin(long, 95n, 105n))
  t.deepEqual(kernel().argminRange('short', 0n, 100n), referenceArgmin('short', 0n, 100n))
  t.deepEqual(kernel().argminRange(long, 0n, 12n), referenceArgmin(long, 0n, 12n))
  t.deepEqual(kernel().argminRange('', 0n, 30n), referenceArgmin('', 0n, 30n))
  t.deepEqual(kernel().argminRange('\uD800 lone surrogate', 0n, 30n), referenceArgmin('\uD800 lone surrogate', 0n, 30n))
})

nativeTest(`a range outside [0, 2^64] is an InvalidArgumentError; an empty one has no argmin${suffix}`, (t) => {
  t.throws(() => kernel().argminRange('x', -1n, 5n), { instanceOf: InvalidArgumentError })
  t.throws(() => kernel().argminRange('x', 0n, TWO_64 + 1n), { instanceOf: InvalidArgumentError })
  t.is(kernel().argminRange('x', 9n, 9n), undefined)
  t.is(kernel().argminRange('x', TWO_64, TWO_64), undefined)
})

nativeTest(`the addon refuses arguments it cannot use${suffix}`, (t) => {
  const { addon } = kernel()
  const state = new Uint8Array(addon.nameStateBytes)
  const out = new BigUint64Array(2)
  addon.prepareName(Buffer.from('abc'), state)
  const call =
    (...args: unknown[]) =>
    () =>
      (addon.argmin as (...a: unknown[]) => void)(...args)
  t.throws(call(state, 5n, 4n, out), { instanceOf: RangeError })
  t.throws(call(state, 0n, TWO_64, out), { instanceOf: RangeError })
  t.throws(call(state, 0n, 9n, new BigUint64Array(1)), { instanceOf: RangeError })
  t.throws(call(state.subarray(1), 0n, 9n, out), { instanceOf: RangeError })
  t.throws(call(state, 0n, 9n, new Float64Array(2)), { instanceOf: TypeError })
  t.throws(call(state, 0n, 9n), { instanceOf: TypeError })
  t.throws(call('abc', 0n, 9n, out), { instanceOf: TypeError })
  t.throws(() => (addon.prepareName as (...a: unknown[]) => void)('abc', state), { instanceOf: TypeError })
  addon.argmin(state, 0n, 9n, out)
  t.deepEqual([...out], [4n, referenceArgmin('abc', 0n, 10n)!.hash])
})
