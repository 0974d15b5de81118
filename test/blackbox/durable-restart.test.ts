import test from 'ava'
import { join } from 'node:path'
import { ProcessCluster } from '../support/process-cluster.js'

test('with --data-dir, nodes killed with SIGKILL and restarted rejoin with their state; the writer never reuses a version', async (t) => {
  const cluster = await ProcessCluster.create(3, [{ token: 'T', writer: 0, readers: [0, 1, 2] }])
  const dataDir = (i: number) => ['--data-dir', join(cluster.dir, `data-${i}`)]
  try {
    for (let i = 0; i < 3; i++) await cluster.start(i, dataDir(i))
    const w = await cluster.call(0, 'TokenService', 'Write', {
      id: 'T',
      name: 'durable',
      low: '0',
      mid: '10',
      high: '100',
    })
    t.is(w.error, undefined)
    for (const child of cluster.processes.values()) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
    for (let i = 0; i < 3; i++) await cluster.start(i, dataDir(i))
    const r = await cluster.call(2, 'TokenService', 'Read', { id: 'T' })
    t.is(r.error, undefined)
    t.is(r.reply.name, 'durable')
    t.is(r.reply.version.seq, w.reply.version.seq)
    const w2 = await cluster.call(0, 'TokenService', 'Write', { id: 'T', name: 'again', low: '0', mid: '1', high: '2' })
    t.is(w2.error, undefined)
    t.is(BigInt(w2.reply.version.seq), BigInt(w.reply.version.seq) + 1n)
    t.true(BigInt(w2.reply.version.epoch) > BigInt(w.reply.version.epoch), 'a restarted writer has a higher epoch')
  } finally {
    await cluster.stop()
  }
})

test('a data dir that belongs to another node is refused with a clear message', async (t) => {
  const cluster = await ProcessCluster.create(2, [{ token: 'T', writer: 0, readers: [0, 1] }])
  try {
    await cluster.start(0, ['--data-dir', join(cluster.dir, 'shared')])
    await t.throwsAsync(cluster.start(1, ['--data-dir', join(cluster.dir, 'shared')]), { message: /data dir|lock/ })
  } finally {
    await cluster.stop()
  }
})
