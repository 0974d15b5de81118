import test from 'ava'
import { Container } from 'inversify'
import { Hasher } from '../../../src/core/ports/hasher.js'
import { WasmHasher } from '../../../src/plugins/wasm-hasher/wasm-hasher.js'
import { wasmHasherModule } from '../../../src/plugins/wasm-hasher/wasm-hasher-module.js'

test('wasmHasherModule binds the Hasher port to one WasmHasher on the WASM SIMD kernel', async (t) => {
  const container = new Container()
  await container.load(wasmHasherModule)
  const hasher = container.get<Hasher>(Hasher)
  t.true(hasher instanceof WasmHasher)
  t.is(container.get<Hasher>(Hasher), hasher)
  t.is((hasher as WasmHasher).kind, 'wasm-simd')
})

test('WasmHasher answers in place, and not at all once aborted', async (t) => {
  const hasher = new WasmHasher()
  t.deepEqual(hasher.argmin({ name: 'hello', low: 0n, high: 1000n }, new AbortController().signal)?.nonce, 826n)
  const aborted = new AbortController()
  aborted.abort()
  t.is(hasher.argmin({ name: 'hello', low: 0n, high: 1000n }, aborted.signal), undefined)
  await hasher.close()
})
