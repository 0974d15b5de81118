import test from 'ava'
import fc from 'fast-check'
import { betterArgmin } from '../../../src/core/token/argmin.js'
import { argminRange } from '../../../src/core/hash/sha256-argmin.js'
import {
  isPlausibleValue,
  MAX_NAME_BYTES,
  type RegisterValue,
  type TokenValue,
  validateWriteInput,
  withFinal,
  writeInputProblem,
  writtenToken,
} from '../../../src/core/token/token-value.js'
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
  t.throws(() => validateWriteInput(write(0n, 5n, 101n), 100n), {
    message: /domain size 101 exceeds the maximum of 100/,
  })
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
  t.true(tooLong(`${'🚀'.repeat(MAX_NAME_BYTES / 4)}x`))
  const encoder = new TextEncoder()
  const unit = fc.oneof(
    fc.constantFrom('a', 'é', '名', '🚀', '\ud800', '\udc00'),
    fc.string({ unit: 'binary', maxLength: 2 }),
  )
  fc.assert(
    fc.property(
      fc.array(unit, { minLength: 1300, maxLength: 2200 }).map((parts) => parts.join('')),
      (name) => {
        t.is(tooLong(name), encoder.encode(name).length > MAX_NAME_BYTES)
      },
    ),
    { numRuns: 200 },
  )
})

/** A value as a writer and a reader make it: real argmins over [low, mid) and [low, high). */
function honestValue(name: string, low: bigint, mid: bigint, high: bigint): RegisterValue {
  const partial = argminRange(name, low, mid)
  return {
    kind: 'token',
    token: withFinal(writtenToken({ name, low, mid, high }, partial), argminRange(name, mid, high)),
  }
}

function forged(value: RegisterValue, change: Partial<TokenValue>): RegisterValue {
  if (value.kind !== 'token') throw new Error('a token value expected')
  return { kind: 'token', token: { ...value.token, ...change } }
}

test('a replica accepts an honest value: written only, and with its final', (t) => {
  const value = honestValue('token-name', 100n, 150n, 300n)
  t.true(isPlausibleValue(value, 1000n))
  t.true(isPlausibleValue(forged(value, { final: undefined }), 1000n), 'written, final not yet computed')
  t.true(isPlausibleValue(honestValue('é名🚀'.repeat(300), 0n, 0n, 50n), 1000n), 'no partial, a long name')
  t.true(isPlausibleValue({ kind: 'empty' }, 1000n))
  t.true(isPlausibleValue({ kind: 'absent' }, 1000n))
})

test('a replica refuses a final or a partial whose hash is not H(name, nonce)', (t) => {
  const value = honestValue('token-name', 100n, 150n, 300n) as RegisterValue & { kind: 'token' }
  const { partial, final } = value.token
  t.false(
    isPlausibleValue(forged(value, { final: { nonce: final!.nonce, hash: 0n } }), 1000n),
    'a forged final that beats every hash',
  )
  t.false(isPlausibleValue(forged(value, { final: { nonce: final!.nonce, hash: final!.hash + 1n } }), 1000n))
  t.false(isPlausibleValue(forged(value, { partial: { nonce: partial!.nonce, hash: 0n } }), 1000n))
  const other = argminRange('token-name', 160n, 161n)!
  t.false(
    isPlausibleValue(forged(value, { final: { nonce: other.nonce, hash: final!.hash } }), 1000n),
    'a hash moved to another nonce',
  )
  t.false(isPlausibleValue(forged(value, { name: 'another-name' }), 1000n), 'the hashes of another name')
})

test('a replica refuses a nonce outside its range, even with its true hash', (t) => {
  const value = honestValue('token-name', 100n, 150n, 300n)
  const real = (nonce: bigint) => argminRange('token-name', nonce, nonce + 1n)!
  t.false(isPlausibleValue(forged(value, { partial: real(150n) }), 1000n), 'partial at mid: outside [low, mid)')
  t.false(isPlausibleValue(forged(value, { partial: real(99n) }), 1000n), 'partial below low')
  t.false(isPlausibleValue(forged(value, { final: real(300n) }), 1000n), 'final at high: outside [low, high)')
  t.false(isPlausibleValue(forged(value, { final: real(5n) }), 1000n), 'final below low')
  t.true(
    isPlausibleValue(forged(value, { final: real(299n) }), 1000n),
    'in range with its true hash: plausible (not checked as the argmin)',
  )
})
