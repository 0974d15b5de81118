import test from 'ava'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { Sha256Argmin, argminRange, beatsHash, hashNonce, sha256 } from '../../../src/core/hash/sha256-argmin.js'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { betterArgmin } from '../../../src/core/token/argmin.js'
import { cryptoHash, nameArb, referenceArgmin, TWO_64 } from '../../support/reference-argmin.js'

const rangeArb = fc
  .tuple(fc.bigInt({ min: 0n, max: TWO_64 - 1n }), fc.integer({ min: 0, max: 300 }))
  .map(([low, length]) => {
    const high = low + BigInt(length) > TWO_64 ? TWO_64 : low + BigInt(length)
    return [low, high] as const
  })

/** Ranges that cross a digit-count rollover (10^k), or hug either end of uint64. */
const edgeRangeArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 19 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 40 }))
    .map(([k, before, after]) => {
      const power = 10n ** BigInt(k)
      const low = power - BigInt(before) < 0n ? 0n : power - BigInt(before)
      return [low, power + BigInt(after)] as const
    }),
  fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 300 })).map(([back, length]) => {
    const low = TWO_64 - BigInt(back)
    const high = low + BigInt(length) > TWO_64 ? TWO_64 : low + BigInt(length)
    return [low, high] as const
  }),
  fc.integer({ min: 0, max: 300 }).map((high) => [0n, BigInt(high)] as const),
)

test('sha256 equals node:crypto for random inputs of 0..300 bytes', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
      const expected = createHash('sha256').update(bytes).digest()
      return Buffer.from(sha256(bytes)).equals(expected)
    }),
    { numRuns: 500 },
  )
  t.pass()
})

test('sha256 equals node:crypto at every length 0..300, padding boundaries included', (t) => {
  for (let length = 0; length <= 300; length++) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + length) & 0xff)
    const expected = createHash('sha256').update(bytes).digest('hex')
    t.is(Buffer.from(sha256(bytes)).toString('hex'), expected, `length ${length}`)
  }
})

test('sha256 matches the FIPS 180-2 "abc" and empty-string vectors', (t) => {
  const hex = (text: string) => Buffer.from(sha256(new TextEncoder().encode(text))).toString('hex')
  t.is(hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  t.is(hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
})

test('hashNonce equals node:crypto for random names and uint64 nonces', (t) => {
  fc.assert(
    fc.property(
      nameArb,
      fc.bigInt({ min: 0n, max: TWO_64 - 1n }),
      (name, x) => hashNonce(name, x) === cryptoHash(name, x),
    ),
    { numRuns: 300 },
  )
  t.is(hashNonce('abc', 0n), cryptoHash('abc', 0n))
  t.is(hashNonce('big', TWO_64 - 1n), cryptoHash('big', TWO_64 - 1n))
})

test('argminRange equals the naive reference on random names and ranges', (t) => {
  fc.assert(
    fc.property(nameArb, rangeArb, (name, [low, high]) => {
      t.deepEqual(argminRange(name, low, high), referenceArgmin(name, low, high))
    }),
    { numRuns: 150 },
  )
})

test('argminRange equals the reference across digit rollovers and near 2^64', (t) => {
  fc.assert(
    fc.property(nameArb, edgeRangeArb, (name, [low, high]) => {
      t.deepEqual(argminRange(name, low, high), referenceArgmin(name, low, high))
    }),
    { numRuns: 150 },
  )
})

test('argminRange equals the reference for fixed rollover and top-of-range cases', (t) => {
  const cases: [bigint, bigint][] = [
    [95n, 105n],
    [9995n, 10010n],
    [0n, 12n],
    [10n ** 19n - 20n, 10n ** 19n + 20n],
    [TWO_64 - 300n, TWO_64 - 1n],
    [TWO_64 - 50n, TWO_64],
    [TWO_64 - 1n, TWO_64],
  ]
  for (const name of ['abc', '', 'naïve ☃ 名前']) {
    for (const [low, high] of cases) {
      t.deepEqual(argminRange(name, low, high), referenceArgmin(name, low, high), `${name} [${low}, ${high})`)
    }
  }
})

test('argminRange equals the reference when the message sits at the 55/56/64-byte block boundaries', (t) => {
  // Every name length 0..140 puts `name x` at every offset of the first two blocks and past them,
  // while the ranges make the digit count grow mid-scan (one-block -> two-block messages).
  for (let length = 0; length <= 140; length++) {
    const name = 'n'.repeat(length)
    for (const [low, high] of [
      [0n, 12n],
      [95n, 105n],
      [9995n, 10003n],
    ] as const) {
      t.deepEqual(argminRange(name, low, high), referenceArgmin(name, low, high), `length ${length} [${low}, ${high})`)
    }
  }
})

test('argminRange equals the reference for names longer than 128 bytes (midstate path)', (t) => {
  const names = [
    'x'.repeat(129),
    'long-'.repeat(60),
    '名前✓'.repeat(100), // multi-byte characters straddling block edges
    'k'.repeat(4000),
  ]
  for (const name of names) {
    for (const [low, high] of [
      [0n, 150n],
      [985n, 1020n],
      [TWO_64 - 40n, TWO_64],
    ] as const) {
      t.deepEqual(argminRange(name, low, high), referenceArgmin(name, low, high), `${name.length} chars`)
    }
  }
})

test('argminRange gives the known winning nonces, with hashes equal to node:crypto', (t) => {
  const vectors: [string, bigint, bigint, bigint][] = [
    ['abc', 0n, 10n, 4n],
    ['abc', 10n, 100n, 70n],
    ['abc', 0n, 100n, 70n],
    ['hello', 0n, 1000n, 826n],
    ['token-name', 0n, 100000n, 255n],
    ['big', 18446744073709551000n, 18446744073709551615n, 18446744073709551084n],
  ]
  for (const [name, low, high, nonce] of vectors) {
    const result = argminRange(name, low, high)
    t.is(result?.nonce, nonce, `${name} [${low}, ${high})`)
    t.is(result?.hash, cryptoHash(name, nonce))
    t.is(result?.hash, hashNonce(name, nonce))
  }
})

test('argminRange of an empty range is undefined', (t) => {
  t.is(argminRange('abc', 0n, 0n), undefined)
  t.is(argminRange('abc', 42n, 42n), undefined)
  t.is(argminRange('abc', TWO_64, TWO_64), undefined)
  t.is(argminRange('abc', 10n, 5n), undefined)
})

test('argminRange rejects bounds outside [0, 2^64]', (t) => {
  t.throws(() => argminRange('abc', -1n, 5n), { instanceOf: InvalidArgumentError })
  t.throws(() => argminRange('abc', 0n, TWO_64 + 1n), { instanceOf: InvalidArgumentError })
})

test('beatsHash is strict, so a tie keeps the earlier (smaller) nonce', (t) => {
  t.false(beatsHash(5, 7, 5, 7))
  t.true(beatsHash(5, 6, 5, 7))
  t.true(beatsHash(4, 0xffffffff, 5, 0))
  t.false(beatsHash(5, 0, 4, 0xffffffff))
  t.true(beatsHash(0xffffffff, 0xfffffffe, 2 ** 32, 0)) // the loop's "no best yet" sentinel loses to any hash
})

test('argminRange over a split range combines with betterArgmin to the whole range', (t) => {
  fc.assert(
    fc.property(nameArb, rangeArb, fc.nat(), (name, [low, high], cut) => {
      const mid = low + (high > low ? BigInt(cut) % (high - low + 1n) : 0n)
      t.deepEqual(betterArgmin(argminRange(name, low, mid), argminRange(name, mid, high)), argminRange(name, low, high))
    }),
    { numRuns: 100 },
  )
})

test('a chunked scan (tiny chunkLength) equals the reference', (t) => {
  const kernel = new Sha256Argmin(7)
  fc.assert(
    fc.property(nameArb, fc.oneof(rangeArb, edgeRangeArb), (name, [low, high]) => {
      t.deepEqual(kernel.argminRange(name, low, high), referenceArgmin(name, low, high))
    }),
    { numRuns: 100 },
  )
})

test("one kernel reused across alternating names keeps each name's midstate right", (t) => {
  const kernel = new Sha256Argmin()
  const names = ['a'.repeat(200), 'b', 'a'.repeat(200), 'c'.repeat(70), 'b']
  for (const name of names) {
    t.deepEqual(kernel.argminRange(name, 90n, 120n), referenceArgmin(name, 90n, 120n))
  }
})
