import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import { ProcessCluster } from '../support/process-cluster.js'

// Five nodes; token 1 written by node 0 which also reads it; token 2 written by node 1 which does not read it.
const scheme = [
  { token: '1', writer: 0, readers: [0, 1, 2] },
  { token: '2', writer: 1, readers: [2, 3, 4] },
  { token: '3', writer: 2, readers: [0, 1, 2, 3, 4] },
]

let cluster: ProcessCluster

test.before(async () => {
  cluster = await ProcessCluster.create(5, scheme)
  await cluster.startAll()
})

test.after.always(async () => {
  await cluster?.stop()
})

test.serial(
  'write at the writer, read through every reader: partial, final, version and scheme in the reply',
  async (t) => {
    const w = await cluster.call(0, 'TokenService', 'Write', { id: '1', name: 'abc', low: '0', mid: '10', high: '100' })
    t.is(w.error, undefined)
    t.is(w.reply.partial.nonce, '4')
    t.is(w.reply.served_by, cluster.addresses[0])
    for (const reader of [0, 1, 2]) {
      const r = await cluster.call(reader, 'TokenService', 'Read', { id: '1' })
      t.is(r.error, undefined)
      t.like(r.reply, {
        id: '1',
        written: true,
        name: 'abc',
        low: '0',
        mid: '10',
        high: '100',
        writer: cluster.addresses[0],
        served_by: cluster.addresses[reader],
      })
      t.is(r.reply.final.nonce, '70')
      t.is(r.reply.partial.nonce, '4')
      t.deepEqual(
        r.reply.readers,
        [0, 1, 2].map((i) => cluster.addresses[i]),
      )
      t.is(r.reply.version.seq, w.reply.version.seq)
    }
  },
)

test.serial('uint64 at the top of the range travels exactly', async (t) => {
  const w = await cluster.call(1, 'TokenService', 'Write', {
    id: '2',
    name: 'big',
    low: '18446744073709551000',
    mid: '18446744073709551000',
    high: '18446744073709551615',
  })
  t.is(w.error, undefined)
  const r = await cluster.call(4, 'TokenService', 'Read', { id: '2' })
  t.is(r.reply.final.nonce, '18446744073709551084')
  t.is(r.reply.high, '18446744073709551615')
})

test.serial('bad input gets the right status codes', async (t) => {
  const inverted = await cluster.call(0, 'TokenService', 'Write', {
    id: '1',
    name: 'x',
    low: '5',
    mid: '4',
    high: '10',
  })
  t.is(inverted.error?.code, grpc.status.INVALID_ARGUMENT)
  const unknown = await cluster.call(0, 'TokenService', 'Read', { id: 'nope' })
  t.is(unknown.error?.code, grpc.status.NOT_FOUND)
  const notWriter = await cluster.call(2, 'TokenService', 'Write', {
    id: '1',
    name: 'x',
    low: '0',
    mid: '1',
    high: '2',
  })
  t.is(notWriter.error?.code, grpc.status.FAILED_PRECONDITION)
  t.regex(notWriter.error!.details, new RegExp(`writer: ${cluster.addresses[0]}`))
  const notReader = await cluster.call(1, 'TokenService', 'Read', { id: '2' })
  t.is(notReader.error?.code, grpc.status.FAILED_PRECONDITION)
  const overflow = await cluster.call(0, 'TokenService', 'Write', {
    id: '1',
    name: 'x',
    low: '0',
    mid: '1',
    high: '18446744073709551616',
  })
  t.is(overflow.error?.code, grpc.status.INVALID_ARGUMENT)
  const huge = await cluster.call(0, 'TokenService', 'Write', {
    id: '1',
    name: 'x',
    low: '0',
    mid: '1',
    high: '1000000000',
  })
  t.is(huge.error?.code, grpc.status.INVALID_ARGUMENT)
  t.regex(huge.error!.details, /exceeds the maximum/)
})

test.serial('create, drop and the tombstone over gRPC', async (t) => {
  t.is((await cluster.call(2, 'TokenService', 'Create', { id: '3' })).error?.code, grpc.status.ALREADY_EXISTS)
  const empty = await cluster.call(4, 'TokenService', 'Read', { id: '3' })
  t.false(empty.reply.written)
  t.is((await cluster.call(2, 'TokenService', 'Drop', { id: '3' })).error, undefined)
  t.is((await cluster.call(3, 'TokenService', 'Read', { id: '3' })).error?.code, grpc.status.NOT_FOUND)
  t.is((await cluster.call(2, 'TokenService', 'Create', { id: '3' })).error, undefined)
})

test.serial(
  'fail-silent: a silent reader answers nothing about that token, serves others; a minority does not stop the token',
  async (t) => {
    const silenced = await cluster.call(2, 'AdminService', 'FailSilent', { id: '1', after_ms: '0' })
    t.is(silenced.error, undefined)
    const silent = await cluster.call(2, 'TokenService', 'Read', { id: '1' }, 500)
    t.is(silent.error?.code, grpc.status.DEADLINE_EXCEEDED, 'no answer: the client deadline fires')
    const other = await cluster.call(2, 'TokenService', 'Read', { id: '2' })
    t.is(other.error, undefined, 'node 2 still serves token 2')
    const w = await cluster.call(0, 'TokenService', 'Write', { id: '1', name: 'after', low: '0', mid: '5', high: '50' })
    t.is(w.error, undefined, 'writer + node 1 are a majority of 3')
    const r = await cluster.call(1, 'TokenService', 'Read', { id: '1' })
    t.is(r.reply?.name, 'after')
    const status = await cluster.call(2, 'AdminService', 'Status', {})
    t.true(status.reply.tokens.find((s: any) => s.id === '1').silent)
    t.false(status.reply.tokens.find((s: any) => s.id === '2').silent)
  },
)

test.serial('a silent majority: reads end in a deadline, other tokens are unaffected', async (t) => {
  await cluster.call(1, 'AdminService', 'FailSilent', { id: '1', after_ms: '0' })
  const w = await cluster.call(
    0,
    'TokenService',
    'Write',
    { id: '1', name: 'lost', low: '0', mid: '1', high: '2' },
    800,
  )
  t.is(w.error?.code, grpc.status.DEADLINE_EXCEEDED, 'outcome unknown')
  // The writer's own copy is now uncommitted, and its read lease needs a live majority: the read queries a quorum.
  const r = await cluster.call(0, 'TokenService', 'Read', { id: '1' }, 800)
  t.is(r.error?.code, grpc.status.DEADLINE_EXCEEDED)
  const other = await cluster.call(0, 'TokenService', 'Read', { id: '3' }, 2000)
  t.is(other.error, undefined)
})

test.serial('SIGINT stops a node cleanly with exit code 0', async (t) => {
  const child = cluster.processes.get(cluster.addresses[4]!)!
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGINT')
  t.is(await exited, 0)
  t.true(cluster.logs.get(cluster.addresses[4]!)!.some((l) => l.includes('node stopped')))
})
