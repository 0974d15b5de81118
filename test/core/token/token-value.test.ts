import test from 'ava'
import fc from 'fast-check'
import { betterArgmin } from '../../../src/core/token/argmin.js'
import { MAX_NAME_BYTES, validateWriteInput, withFinal, writeInputProblem, writtenToken } from '../../../src/core/token/token-value.js'
import { UINT64_MAX, parseUint64 } from '../../../src/core/uint64.js'

const write = (low: bigint, mid: bigint, high: bigint, name = 'n') => ({ name, low, mid, high })

test('low <= mid < high, else an invalid argument', (t) => {
  t.notThrows(() => validateWriteInput(write(0n, 0n, 1n), 10n), 'low == mid: empty partial range')
  t.throws(() => validateWriteInput(write(2n, 1n, 3n), 10n), { message: /low <= mid < high/ })
  t.throws(() => validateWriteInput(write(0n, 3n, 3n), 10n), { message: /low <= mid < high/ })
  t.throws(() => validateWriteInput(write(0n, 1n, UINT64_MAX + 1n), UINT64_MAX), { message: /high/ })
})

test('the maximum domain size is enforced with a clear message', (t) => {
  t.notThrows(() => validateWriteInput(write(0n, 5n, 100n), 100n))
  t.throws(() => validateWriteInput(write(0n, 5n, 101n), 100n), { message: /domain size 101 exceeds the maximum of 100/ })
})

test('uint64 parsing is exact over the full range and rejects everything else', (t) => {
  t.is(parseUint64('18446744073709551615', 'x'), UINT64_MAX)
  for (const bad of ['18446744073709551616', '-1', '1.5', '0x10', '', ' 1', '01']) t.throws(() => parseUint64(bad, 'x'))
})

test('final is the better of partial and the upper argmin; smaller hash wins, ties to the smaller nonce', (t) => {
  const a = { nonce: 5n, hash: 10n }
  const b = { nonce: 3n, hash: 10n }
  const c = { nonce: 9n, hash: 2n }
  t.is(betterArgmin(a, b), b)
  t.is(betterArgmin(a, c), c)
  t.is(betterArgmin(undefined, a), a)
  const token = writtenToken(write(0n, 0n, 10n), undefined)
  t.is(withFinal(token, c).final, c, 'low == mid: final is the upper argmin')
  t.is(withFinal(writtenToken(write(0n, 5n, 10n), c), a).final, c)
})

test('the name bound counts UTF-8 bytes exactly as an encoder would, without encoding', (t) => {
  const tooLong = (name: string) => writeInputProblem(write(0n, 1n, 2n, name), 10n) !== undefined
  t.false(tooLong('é'.repeat(MAX_NAME_BYTES / 2)))
  t.true(tooLong('é'.repeat(MAX_NAME_BYTES / 2 + 1)))
  t.false(tooLong('🚀'.repeat(MAX_NAME_BYTES / 4)))
  t.true(tooLong('🚀'.repeat(MAX_NAME_BYTES / 4) + 'x'))
  const encoder = new TextEncoder()
  const unit = fc.oneof(fc.constantFrom('a', 'é', '名', '🚀', '\ud800', '\udc00'), fc.string({ unit: 'binary', maxLength: 2 }))
  fc.assert(fc.property(fc.array(unit, { minLength: 1300, maxLength: 2200 }).map((parts) => parts.join('')), (name) => {
    t.is(tooLong(name), encoder.encode(name).length > MAX_NAME_BYTES)
  }), { numRuns: 200 })
})
