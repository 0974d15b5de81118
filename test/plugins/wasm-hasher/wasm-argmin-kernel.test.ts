import test from 'ava'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import {
  WasmSimdArgminKernel,
  createArgminKernel,
  defaultWasmPath,
  loadWasmArgminKernel,
} from '../../../src/plugins/wasm-hasher/wasm-argmin-kernel.js'
import { repoRoot } from '../../support/repo-root.js'

const TWO_64 = 1n << 64n

function cryptoArgmin(name: string, low: bigint, high: bigint): { nonce: bigint; hash: bigint } {
  let best = { nonce: -1n, hash: TWO_64 }
  for (let x = low; x < high; x++) {
    const hash = createHash('sha256').update(`${name} ${x}`).digest().readBigUInt64BE(0)
    if (hash < best.hash) best = { nonce: x, hash }
  }
  return best
}

function freshWasmKernel(): WasmSimdArgminKernel {
  const kernel = createArgminKernel()
  if (!(kernel instanceof WasmSimdArgminKernel)) throw new Error(`no WASM kernel at ${defaultWasmPath()}`)
  return kernel
}

test('loadWasmArgminKernel returns one cached WASM SIMD kernel per thread', (t) => {
  t.is(loadWasmArgminKernel().kind, 'wasm-simd')
  t.is(loadWasmArgminKernel(), loadWasmArgminKernel())
})

test('a worker thread loads its own WASM kernel synchronously at start-up', async (t) => {
  const loader = pathToFileURL(join(repoRoot(), 'dist', 'src', 'plugins', 'wasm-hasher', 'wasm-argmin-kernel.js')).href
  const script = `
    import { parentPort } from 'node:worker_threads'
    import { loadWasmArgminKernel } from ${JSON.stringify(loader)}
    const kernel = loadWasmArgminKernel()
    parentPort.postMessage({ kind: kernel.kind, nonce: String(kernel.argminRange('hello', 0n, 1000n)?.nonce) })`
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(script)}`))
  const reply = await new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  await worker.terminate()
  t.deepEqual(reply, { kind: 'wasm-simd', nonce: '826' })
})

test('a missing .wasm falls back to the TypeScript kernel', (t) => {
  const kernel = createArgminKernel(join(tmpdir(), 'no-such-dir', 'argmin-kernel.wasm'))
  t.is(kernel.kind, 'typescript')
  t.is(kernel.argminRange('abc', 0n, 10n)?.nonce, 4n)
})

test('a .wasm the engine rejects falls back to the TypeScript kernel', (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'wasm-kernel-')), 'argmin-kernel.wasm')
  writeFileSync(path, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff]))
  t.is(createArgminKernel(path).kind, 'typescript')
})

test('ties go to the smaller nonce whatever order the lanes offer them in', (t) => {
  const { exports } = freshWasmKernel()
  const candidate = fc.record({
    hi: fc.constantFrom(0, 1, 0xffffffff),
    lo: fc.constantFrom(0, 7, 0xffffffff),
    nonce: fc.bigInt({ min: 0n, max: 40n }),
  })
  fc.assert(
    fc.property(fc.array(candidate, { minLength: 1, maxLength: 12 }), (candidates) => {
      exports.resetBest()
      for (const { hi, lo, nonce } of candidates) exports.offer(hi, lo, nonce)
      const key = (c: (typeof candidates)[number]) => (BigInt(c.hi) << 32n) | BigInt(c.lo)
      const best = candidates.reduce((a, b) => (key(b) < key(a) || (key(b) === key(a) && b.nonce < a.nonce) ? b : a))
      t.is(BigInt.asUintN(64, exports.resultNonce()), best.nonce)
      t.is(BigInt.asUintN(64, exports.resultHash()), key(best))
    }),
    { numRuns: 200 },
  )
})

test('a long name (1 MB, memory grown) hashes as its bytes, and switching names back and forth is exact', (t) => {
  const kernel = freshWasmKernel()
  const long = 'é'.repeat(300_000) + 'long-name'.repeat(50_000)
  t.deepEqual(kernel.argminRange(long, 95n, 105n), cryptoArgmin(long, 95n, 105n))
  t.deepEqual(kernel.argminRange('short', 0n, 100n), cryptoArgmin('short', 0n, 100n))
  t.deepEqual(kernel.argminRange(long, 0n, 12n), cryptoArgmin(long, 0n, 12n))
  t.deepEqual(kernel.argminRange('', 0n, 30n), cryptoArgmin('', 0n, 30n))
})

test('a range outside [0, 2^64] is an InvalidArgumentError', (t) => {
  const kernel = freshWasmKernel()
  t.throws(() => kernel.argminRange('x', -1n, 5n), { instanceOf: InvalidArgumentError })
  t.throws(() => kernel.argminRange('x', 0n, TWO_64 + 1n), { instanceOf: InvalidArgumentError })
})
