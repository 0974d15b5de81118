/*
 * Every argmin kernel (native SHA instructions, WASM SIMD and the TypeScript fallback) against the definition
 * computed with node:crypto, one hash per nonce: random UTF-8 names, digit-count rollovers, the one-to-two block boundary,
 * the top of uint64, empty ranges and the fixed vectors. The native kernel's tests are skipped, with the reason
 * in their titles, where it cannot run (not built, no SHA extensions); native-argmin-kernel.test.ts fails when
 * that happens on a machine that should run it.
 */
import test from 'ava'
import fc from 'fast-check'
import type { Argmin } from '../../../src/core/token/argmin.js'
import {
  type ArgminKernel,
  loadWasmArgminKernel,
  typescriptArgminKernel,
} from '../../../src/plugins/wasm-hasher/wasm-argmin-kernel.js'
import { nativeKernelOrReason } from '../../support/native-kernel.js'
import { cryptoHash, nameArb, referenceArgmin, TWO_64 } from '../../support/reference-argmin.js'

const clampHigh = (high: bigint) => (high > TWO_64 ? TWO_64 : high)

/** A name of exactly `bytes` UTF-8 bytes mixing 1-, 2- and 3-byte characters. */
const nameOfLengthArb = (bytes: number) =>
  fc.array(fc.constantFrom('a', 'é', '€'), { maxLength: bytes }).map((chars) => {
    let name = ''
    for (const char of chars) if (Buffer.byteLength(name + char) <= bytes) name += char
    return name.padEnd(name.length + bytes - Buffer.byteLength(name), 'z')
  })

const rangeArb = fc
  .tuple(fc.bigInt({ min: 0n, max: TWO_64 - 1n }), fc.integer({ min: 0, max: 200 }))
  .map(([low, length]) => [low, clampHigh(low + BigInt(length))] as const)

/** Ranges that cross 10^k (the digit count grows by one inside the range). */
const rolloverArb = fc
  .tuple(fc.integer({ min: 1, max: 19 }), fc.integer({ min: 0, max: 45 }), fc.integer({ min: 1, max: 45 }))
  .map(([k, before, after]) => {
    const power = 10n ** BigInt(k)
    return [power - BigInt(Math.min(before, Number(power))), power + BigInt(after)] as const
  })

/** Ranges at the top of uint64, high up to 2^64 (exclusive), so the nonce 2^64 - 1 is included. */
const topArb = fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 200 })).map(([back, length]) => {
  const low = TWO_64 - BigInt(back)
  return [low, clampHigh(low + BigInt(length))] as const
})

/** A name and range whose message `name + " " + x` is `total` bytes: total 52..60 or 116..124 straddles a block edge. */
const blockEdgeArb = fc
  .tuple(
    fc.integer({ min: 1, max: 20 }),
    fc.constantFrom(52, 53, 54, 55, 56, 57, 58, 59, 60, 116, 117, 118, 119, 120, 121, 122, 123, 124),
  )
  .filter(([digits, total]) => total - 1 - digits >= 0)
  .chain(([digits, total]) => {
    const first = digits === 1 ? 0n : 10n ** BigInt(digits - 1)
    const last = digits === 20 ? TWO_64 - 1n : 10n ** BigInt(digits) - 1n
    return fc
      .tuple(nameOfLengthArb(total - 1 - digits), fc.bigInt({ min: first, max: last }), fc.integer({ min: 1, max: 60 }))
      .map(([name, low, length]) => ({ name, low, high: clampHigh(low + BigInt(length)) }))
  })

const native = nativeKernelOrReason()
/**
 * A name and range whose nonce's digits straddle a 64-byte block edge, `split` of them before it: ranges of up
 * to 250 nonces cross decades and hundreds, so carries change digits on both sides of the edge.
 */
const straddleArb = fc
  .tuple(fc.integer({ min: 2, max: 20 }), fc.integer({ min: 1, max: 19 }), fc.constantFrom(0, 1))
  .filter(([digits, split]) => split < digits)
  .chain(([digits, split, wholeBlocks]) => {
    const first = 10n ** BigInt(digits - 1)
    const last = digits === 20 ? TWO_64 - 1n : 10n ** BigInt(digits) - 1n
    // The prefix `name + " "` ends `split` bytes before a block edge, after `wholeBlocks` whole blocks.
    return fc
      .tuple(
        nameOfLengthArb(64 * wholeBlocks + 64 - split - 1),
        fc.bigInt({ min: first, max: last }),
        fc.integer({ min: 1, max: 250 }),
      )
      .map(([name, low, length]) => ({ name, low, high: clampHigh(low + BigInt(length)) }))
  })

// The third element registers the tests: ava's test, or test.skip where the kernel cannot run.
const kernels: [string, () => ArgminKernel, typeof test.skip][] = [
  typeof native === 'string'
    ? [
        `native-sha (skipped: ${native})`,
        () => {
          throw new Error(native)
        },
        test.skip,
      ]
    : ['native-sha', () => native, test],
  ['wasm-simd', loadWasmArgminKernel, test],
  ['typescript', () => typescriptArgminKernel, test],
]

for (const [label, kernelOf, test] of kernels) {
  test(`${label}: the kernel is the one asked for`, (t) => {
    t.is(kernelOf().kind, label as ArgminKernel['kind'])
  })

  test(`${label}: the argmin vectors`, (t) => {
    const kernel = kernelOf()
    t.is(kernel.argminRange('abc', 0n, 10n)?.nonce, 4n)
    t.is(kernel.argminRange('abc', 10n, 100n)?.nonce, 70n)
    t.is(kernel.argminRange('hello', 0n, 1000n)?.nonce, 826n)
    t.is(kernel.argminRange('token-name', 0n, 100000n)?.nonce, 255n)
    t.is(kernel.argminRange('big', 18446744073709551000n, 18446744073709551615n)?.nonce, 18446744073709551084n)
    t.deepEqual(kernel.argminRange('hello', 0n, 1000n), referenceArgmin('hello', 0n, 1000n))
  })

  test(`${label}: equals the reference on random UTF-8 names and uint64 ranges`, (t) => {
    const kernel = kernelOf()
    fc.assert(
      fc.property(nameArb, rangeArb, (name, [low, high]) => {
        t.deepEqual(kernel.argminRange(name, low, high), referenceArgmin(name, low, high))
      }),
      { numRuns: 120 },
    )
  })

  test(`${label}: equals the reference across digit-count rollovers 10^k`, (t) => {
    const kernel = kernelOf()
    fc.assert(
      fc.property(nameArb, rolloverArb, (name, [low, high]) => {
        t.deepEqual(kernel.argminRange(name, low, high), referenceArgmin(name, low, high))
      }),
      { numRuns: 80 },
    )
  })

  test(`${label}: equals the reference where the message crosses from one SHA block to two`, (t) => {
    const kernel = kernelOf()
    fc.assert(
      fc.property(blockEdgeArb, ({ name, low, high }) => {
        t.deepEqual(kernel.argminRange(name, low, high), referenceArgmin(name, low, high))
      }),
      { numRuns: 120 },
    )
  })

  test(`${label}: equals the reference where the nonce's digits straddle a block edge`, (t) => {
    const kernel = kernelOf()
    fc.assert(
      fc.property(straddleArb, ({ name, low, high }) => {
        t.deepEqual(kernel.argminRange(name, low, high), referenceArgmin(name, low, high))
      }),
      { numRuns: 120 },
    )
  })

  test(`${label}: equals the reference at the top of uint64`, (t) => {
    const kernel = kernelOf()
    fc.assert(
      fc.property(nameArb, topArb, (name, [low, high]) => {
        t.deepEqual(kernel.argminRange(name, low, high), referenceArgmin(name, low, high))
      }),
      { numRuns: 60 },
    )
    t.deepEqual(kernel.argminRange('top', TWO_64 - 1n, TWO_64), {
      nonce: TWO_64 - 1n,
      hash: cryptoHash('top', TWO_64 - 1n),
    })
  })

  test(`${label}: every digit count from 1 to 20 digits, one range each`, (t) => {
    const kernel = kernelOf()
    for (let digits = 1; digits <= 20; digits++) {
      const low = digits === 1 ? 0n : 10n ** BigInt(digits - 1) + 7n
      const high = clampHigh(low + 23n)
      t.deepEqual(kernel.argminRange('digits', low, high), referenceArgmin('digits', low, high), `${digits} digits`)
    }
  })

  test(`${label}: every sub-range of [995, 1085) (each alignment to lanes and decades, and 999 -> 1000)`, (t) => {
    const kernel = kernelOf()
    const hashes = new Map<bigint, bigint>()
    for (let x = 995n; x < 1085n; x++) hashes.set(x, cryptoHash('edges', x))
    for (let low = 995n; low < 1085n; low++) {
      let best: Argmin | undefined
      for (let high = low + 1n; high <= 1085n; high++) {
        const hash = hashes.get(high - 1n)!
        if (best === undefined || hash < best.hash) best = { nonce: high - 1n, hash }
        t.deepEqual(kernel.argminRange('edges', low, high), best, `[${low}, ${high})`)
      }
    }
  })

  test(`${label}: an empty or inverted range has no argmin`, (t) => {
    const kernel = kernelOf()
    fc.assert(
      fc.property(
        nameArb,
        fc.bigInt({ min: 0n, max: TWO_64 }),
        fc.bigInt({ min: 0n, max: 50n }),
        (name, high, back) => {
          const low = high + back > TWO_64 ? TWO_64 : high + back
          t.is(kernel.argminRange(name, low, high), undefined)
        },
      ),
      { numRuns: 50 },
    )
  })
}

for (const [label, kernelOf, test] of kernels.slice(0, 2)) {
  test(`${label} and typescript agree over ranges of thousands of nonces (many lane groups, interior and edges)`, (t) => {
    const kernel = kernelOf()
    fc.assert(
      fc.property(
        nameArb,
        fc.bigInt({ min: 0n, max: TWO_64 - 1n }),
        fc.integer({ min: 1, max: 4000 }),
        (name, low, length) => {
          const high = clampHigh(low + BigInt(length))
          t.deepEqual(kernel.argminRange(name, low, high), typescriptArgminKernel.argminRange(name, low, high))
        },
      ),
      { numRuns: 40 },
    )
  })
}
