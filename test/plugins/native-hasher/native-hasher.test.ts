import test from 'ava'
import { Container } from 'inversify'
import { Hasher } from '../../../src/core/ports/hasher.js'
import { NativeHasher } from '../../../src/plugins/native-hasher/native-hasher.js'
import { nativeHasherModule } from '../../../src/plugins/native-hasher/native-hasher-module.js'
import { nativeKernelOrReason } from '../../support/native-kernel.js'

const native = nativeKernelOrReason()
const nativeTest = typeof native === 'string' ? test.skip : test
const suffix = typeof native === 'string' ? ` (skipped: ${native})` : ''

nativeTest(`nativeHasherModule binds the Hasher port to one NativeHasher on the native kernel${suffix}`, async (t) => {
  const container = new Container()
  await container.load(nativeHasherModule)
  const hasher = container.get<Hasher>(Hasher)
  t.true(hasher instanceof NativeHasher)
  t.is(container.get<Hasher>(Hasher), hasher)
  t.is((hasher as NativeHasher).kind, 'native-sha')
})

nativeTest(`NativeHasher answers in place, and not at all once aborted${suffix}`, async (t) => {
  const hasher = new NativeHasher()
  t.deepEqual(hasher.argmin({ name: 'hello', low: 0n, high: 1000n }, new AbortController().signal)?.nonce, 826n)
  const aborted = new AbortController()
  aborted.abort()
  t.is(hasher.argmin({ name: 'hello', low: 0n, high: 1000n }, aborted.signal), undefined)
  await hasher.close()
})

test('NativeHasher cannot be made where its kernel cannot run', (t) => {
  if (typeof native !== 'string') {
    t.log('the native kernel runs here: nothing to refuse')
    t.pass()
    return
  }
  t.throws(() => new NativeHasher(), { message: /^NativeHasher: / })
})
