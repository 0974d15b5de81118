import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import fc from 'fast-check'
import { hashNonce } from '../../src/core/hash/sha256-argmin.js'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import { ProcessCluster } from '../support/process-cluster.js'
import { Callers, UINT64_MAX } from '../support/request-oracle.js'

// Only node 0 runs. E: node 0 is one of its replicas (node 1 writes it). F: node 0 alone writes and reads it.
const scheme = [
  { token: 'E', writer: 1, readers: [0, 1, 2] },
  { token: 'F', writer: 0, readers: [0] },
]
const MAX_DOMAIN = 1000n
const callers = new Callers()
let cluster: ProcessCluster
let self: string
let fingerprint: string

test.before(async () => {
  cluster = await ProcessCluster.create(3, scheme, `maxDomainSize: ${MAX_DOMAIN}\n`)
  await cluster.start(0, ['--settings', `${cluster.dir}/settings.yaml`])
  self = cluster.addresses[0]!
  fingerprint = (await callers.call(self, 'AdminService', 'Status', {})).reply.scheme_fingerprint
})

test.after.always(async () => {
  callers.close()
  await cluster?.stop()
})

/** Streams `batches` to node 0's Exchange; resolves with the summary or the status that ended the stream. */
function exchange(batches: readonly object[]): Promise<{ code: grpc.status; received?: string; details?: string }> {
  const Replica = loadTokenManagerPackage().ReplicaService
  const client = new Replica(self, grpc.credentials.createInsecure())
  return new Promise((resolve) => {
    const stream = (client as any).Exchange(
      { deadline: Date.now() + 20_000 },
      (error: grpc.ServiceError | null, reply?: { received: string }) => {
        client.close()
        resolve(
          error ? { code: error.code, details: error.details } : { code: grpc.status.OK, received: reply!.received },
        )
      },
    )
    stream.on('error', () => {})
    for (const batch of batches) stream.write(batch)
    stream.end()
  })
}

async function stateOf(token: string): Promise<any> {
  const status = await callers.call(self, 'AdminService', 'Status', {})
  return status.reply.tokens.find((s: any) => s.id === token).state
}

const u64 = fc.oneof(
  fc.constantFrom('0', '1', '9007199254740991', '9007199254740992', '18446744073709551614', '18446744073709551615'),
  fc.bigInt({ min: 0n, max: UINT64_MAX }).map(String),
)
const argmin = fc.option(fc.record({ nonce: u64, hash: u64 }), { nil: undefined })
const tokenValue = fc.record({
  name: fc.oneof(fc.string({ maxLength: 10 }), fc.constant('n'.repeat(4097))),
  low: u64,
  mid: u64,
  high: u64,
  partial: argmin,
  final: argmin,
})
const value = fc.oneof(
  fc.constant({ empty: {} }),
  fc.constant({ absent: {} }),
  tokenValue.map((token) => ({ token })),
  fc.constant({}),
)
const versioned = fc.record({
  version: fc.option(fc.record({ seq: u64, epoch: u64 }), { nil: undefined }),
  value: fc.option(value, { nil: undefined }),
})
const known = fc.record({
  known: fc.option(fc.record({ seq: u64, epoch: u64 }), { nil: undefined }),
  known_complete: fc.boolean(),
})
const version = fc.option(fc.record({ seq: u64, epoch: u64 }), { nil: undefined })
const holders = fc.array(fc.constantFrom('127.0.0.1:1', '', '\u{1F600}'), { maxLength: 3 })
const body = fc.oneof(
  fc.constant({ query: {} }),
  known.map((query) => ({ query })),
  fc.constant({ query_same: {} }),
  fc.constant({ store_ack: {} }),
  versioned.map((store) => ({ store })),
  versioned.map((query_reply) => ({ query_reply })),
  fc.constant({}),
  fc.record({ lease_request: fc.record({ stored: version }) }),
  fc.record({ lease_grant: fc.record({ lease_ms: u64, committed: version }) }),
  fc.record({ commit: version }),
  fc.record({ store_ack: fc.record({ lease_holders: holders, lease_holders_known: fc.boolean() }) }),
  fc.record({ query_same: fc.constant({}), committed: version }),
)
// Bodies that could move the register are never from a replica with a plausible value (see hostileStore).
const message = fc
  .tuple(
    fc.record({
      req_id: u64,
      token: fc.constantFrom('E', 'E', 'Z', ''),
      to: fc.constantFrom('self', 'self', '127.0.0.1:2', ''),
      writer_epoch: fc.option(u64, { nil: undefined }),
    }),
    body,
  )
  .map(([m, b]) => ({ ...m, to: m.to === 'self' ? self : m.to, ...b }))

/** A store that a correct node would take only from a replica and only if a writer could have made the value. */
function movesRegister(from: string, m: any): boolean {
  if (m.store === undefined || m.token !== 'E' || m.to !== self || !Number.isSafeInteger(Number(m.req_id))) return false
  if (
    ![0, 1, 2].map((i) => cluster.addresses[i]).includes(from) ||
    m.store.version === undefined ||
    m.store.value === undefined
  )
    return false
  const t = m.store.value.token
  if (t === undefined) return m.store.value.empty !== undefined || m.store.value.absent !== undefined
  const [low, mid, high] = [BigInt(t.low), BigInt(t.mid), BigInt(t.high)]
  // In range and its true hash: random hashes almost never are, so forged stores stay in the hostile set.
  const within = (a: any, top: bigint): boolean =>
    a === undefined ||
    (BigInt(a.nonce) >= low && BigInt(a.nonce) < top && hashNonce(t.name, BigInt(a.nonce)) === BigInt(a.hash))
  return (
    low <= mid &&
    mid < high &&
    high - low <= MAX_DOMAIN &&
    Buffer.byteLength(t.name) <= 4096 &&
    (low === mid) === (t.partial === undefined) &&
    within(t.partial, mid) &&
    within(t.final, high)
  )
}

test.serial(
  'a batch with a wrong or missing scheme fingerprint ends the stream with FAILED_PRECONDITION',
  async (t) => {
    for (const wrong of ['', fingerprint.toUpperCase(), `${fingerprint}0`, 'x'.repeat(10_000), '\u{1F600}']) {
      const result = await exchange([
        {
          from: cluster.addresses[1],
          scheme_fingerprint: wrong,
          messages: [{ req_id: '1', token: 'E', to: self, query: {} }],
        },
      ])
      t.is(result.code, grpc.status.FAILED_PRECONDITION, JSON.stringify(wrong))
    }
    t.is(
      (await exchange([{ from: cluster.addresses[1], messages: [] }])).code,
      grpc.status.FAILED_PRECONDITION,
      'no fingerprint at all',
    )
  },
)

test.serial(
  'an absurd timestamp from a replica cannot make the writer wrap its version: RESOURCE_EXHAUSTED',
  async (t) => {
    const store = {
      version: { seq: UINT64_MAX.toString(), epoch: UINT64_MAX.toString() },
      value: { token: { name: 'x', low: '0', mid: '0', high: '1' } },
    }
    const result = await exchange([
      { from: self, scheme_fingerprint: fingerprint, messages: [{ req_id: '7', token: 'F', to: self, store }] },
    ])
    t.is(result.code, grpc.status.OK)
    t.is((await stateOf('F')).version.seq, UINT64_MAX.toString())
    const write = await callers.call(self, 'TokenService', 'Write', {
      id: 'F',
      name: 'y',
      low: '0',
      mid: '0',
      high: '1',
    })
    t.is(write.error?.code, grpc.status.RESOURCE_EXHAUSTED)
    t.is((await stateOf('F')).version.seq, UINT64_MAX.toString())
  },
)

test.serial('huge batches: just under the message limit is served, over it is RESOURCE_EXHAUSTED', async (t) => {
  const many = Array.from({ length: 60_000 }, (_, i) => ({ req_id: String(i), token: 'Z', to: self, query: {} }))
  t.like(await exchange([{ from: cluster.addresses[1], scheme_fingerprint: fingerprint, messages: many }]), {
    code: grpc.status.OK,
    received: '60000',
  })
  const store = {
    version: { seq: '1', epoch: '1' },
    value: { token: { name: 'n'.repeat(4_300_000), low: '0', mid: '0', high: '1' } },
  }
  const big = await exchange([
    {
      from: cluster.addresses[1],
      scheme_fingerprint: fingerprint,
      messages: [{ req_id: '1', token: 'E', to: self, store }],
    },
  ])
  t.is(big.code, grpc.status.RESOURCE_EXHAUSTED)
})

test.serial(
  'random hostile batches: the stream status follows the fingerprint, the count is exact, the register never moves',
  async (t) => {
    const before = await stateOf('E')
    const from = fc.constantFrom('127.0.0.1:1', '', 'garbage\u0000', '\u{1F600}:5', 'localhost:50051', '127.0.0.1:2')
    const hostileFrom = fc.oneof(from, fc.constantFrom(...[0, 1, 2].map((i) => cluster.addresses[i]!)))
    const batch = fc
      .record({ from: hostileFrom, fingerprintOk: fc.boolean(), messages: fc.array(message, { maxLength: 12 }) })
      .filter((b) => !b.messages.some((m) => movesRegister(b.from, m)))
    let batches = 0
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 4 }), async (stream) => {
        const firstBad = stream.findIndex((b) => !b.fingerprintOk)
        const sent = stream.map((b) => ({
          from: b.from,
          scheme_fingerprint: b.fingerprintOk ? fingerprint : 'f00d',
          messages: b.messages,
        }))
        const result = await exchange(sent)
        batches += stream.length
        if (firstBad >= 0) {
          if (result.code !== grpc.status.FAILED_PRECONDITION)
            throw new Error(`expected FAILED_PRECONDITION, got ${grpc.status[result.code]} ${result.details}`)
        } else {
          const count = stream.reduce((n, b) => n + b.messages.length, 0)
          if (result.code !== grpc.status.OK || result.received !== String(count))
            throw new Error(`expected OK ${count}, got ${JSON.stringify(result)}`)
        }
        t.deepEqual(await stateOf('E'), before, 'the register of E did not move')
        t.is(cluster.processes.get(self)!.exitCode, null)
        return true
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    )
    t.log(`${batches} batches`)
  },
)
