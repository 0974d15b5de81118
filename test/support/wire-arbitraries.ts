import fc from 'fast-check'
import type { RegisterValue } from '../../src/core/token/token-value.js'

/** uint64 values for codec property tests: uniform, plus the edges where varints and 32-bit halves change. */
export const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n),
)
export const argmin = fc.option(fc.record({ nonce: u64, hash: u64 }), { nil: undefined })
export const timestamp = fc.record({ seq: u64, epoch: u64 })
export const registerValue: fc.Arbitrary<RegisterValue> = fc.oneof(
  fc.constant({ kind: 'empty' as const }),
  fc.constant({ kind: 'absent' as const }),
  fc
    .record({
      name: fc.string({ unit: 'grapheme', maxLength: 40 }),
      low: u64,
      mid: u64,
      high: u64,
      partial: argmin,
      final: argmin,
    })
    .map((token) => ({ kind: 'token' as const, token })),
)
