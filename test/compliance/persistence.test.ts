import test from 'ava'
import type { Persistence } from '../../src/core/ports/persistence.js'
import { MemoryPersistence } from '../../src/plugins/memory-persistence/memory-persistence.js'
import { UINT64_MAX } from '../../src/core/uint64.js'

const implementations: [string, () => Promise<Persistence>][] = [['memory', async () => new MemoryPersistence()]]

for (const [name, make] of implementations) {
  test(`${name}: load returns the newest saved entry per token, values exact`, async (t) => {
    const p = await make()
    const token = { name: 'é', low: 0n, mid: 1n, high: UINT64_MAX, partial: { nonce: 0n, hash: UINT64_MAX }, final: undefined }
    await p.save([{ token: 'T', ts: { seq: 1n, epoch: 1n }, value: { kind: 'empty' } }])
    await p.save([{ token: 'T', ts: { seq: 2n, epoch: 1n }, value: { kind: 'token', token } },
      { token: 'U', ts: { seq: 5n, epoch: 2n }, value: { kind: 'absent' } }])
    const loaded = (await p.load()).sort((a, b) => a.token.localeCompare(b.token))
    t.is(loaded.length, 2)
    t.deepEqual(loaded[0]!.ts, { seq: 2n, epoch: 1n })
    t.deepEqual(loaded[0]!.value, { kind: 'token', token })
    t.deepEqual(loaded[1]!.value, { kind: 'absent' })
    await p.close()
  })
}
