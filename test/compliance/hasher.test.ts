import test from 'ava'
import type { Hasher } from '../../src/core/ports/hasher.js'
import { InlineHasher } from '../../src/plugins/inline-hasher/inline-hasher.js'
import { WasmHasher } from '../../src/plugins/wasm-hasher/wasm-hasher.js'

const implementations: [string, () => Hasher][] = [['inline', () => new InlineHasher()], ['wasm', () => new WasmHasher()]]

const vectors: [string, bigint, bigint, bigint][] = [
  ['abc', 0n, 10n, 4n], ['abc', 10n, 100n, 70n], ['hello', 0n, 1000n, 826n], ['token-name', 0n, 100000n, 255n],
  ['big', 18446744073709551000n, 18446744073709551615n, 18446744073709551084n],
]

for (const [name, make] of implementations) {
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
