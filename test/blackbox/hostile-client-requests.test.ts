import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import fc from 'fast-check'
import { ProcessCluster } from '../support/process-cluster.js'
import {
  Callers,
  expectFailSilent,
  expectToken,
  type Method,
  onTheWire,
  type TokenModel,
  type TokenRoles,
  UINT64_MAX,
} from '../support/request-oracle.js'

// Node 0 writes and reads W, writes but does not read D, and plays no role for R (node 1 writes it).
const scheme = [
  { token: 'W', writer: 0, readers: [0, 1, 2] },
  { token: 'D', writer: 0, readers: [1, 2] },
  { token: 'R', writer: 1, readers: [1, 2] },
]
const MAX_DOMAIN = 1000n
const roles = new Map<string, TokenRoles>([
  ['W', { writer: true, reader: true }],
  ['D', { writer: true, reader: false }],
  ['R', { writer: false, reader: false }],
])
const models = new Map<string, TokenModel>([...roles.keys()].map((id) => [id, { live: true, value: undefined }]))
const callers = new Callers()
let cluster: ProcessCluster
let target: string

test.before(async () => {
  cluster = await ProcessCluster.create(3, scheme, `maxDomainSize: ${MAX_DOMAIN}\n`)
  await Promise.all([0, 1, 2].map((i) => cluster.start(i, ['--settings', `${cluster.dir}/settings.yaml`])))
  target = cluster.addresses[0]!
})

test.after.always(async () => {
  callers.close()
  await cluster?.stop()
})

const loneSurrogate = fc.constantFrom('\uD800', '\uDFFF', 'a\uDC00b', '\uDBFF\uDBFF')
const id = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('W', 'D', 'R') },
  fc.constantFrom('', 'w', 'W ', 'x'.repeat(256), 'x'.repeat(257), 'é'.repeat(300), 'y'.repeat(100_000)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  loneSurrogate,
)
const name = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  fc.constantFrom('', 'n'.repeat(4096), 'n'.repeat(4097), 'é'.repeat(2048), 'é'.repeat(2049), '😀'.repeat(1025)),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  loneSurrogate,
  fc.constant('h'.repeat(4 * 1024 * 1024 + 1)),
)
const u64Text = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '999',
    '1000',
    '1001',
    '18446744073709551615',
    '18446744073709551616',
    '-1',
    '-18446744073709551615',
    'abc',
    '',
    '1e3',
    ' 7',
    '0x10',
    '99999999999999999999999',
  ),
  fc.bigInt({ min: 0n, max: UINT64_MAX }).map(String),
)
// Mostly well-formed domains near the bounds, so that writes also succeed and reads have something to check.
const domain = fc.oneof(
  fc.tuple(u64Text, u64Text, u64Text),
  fc
    .tuple(fc.constantFrom(0n, 5n, UINT64_MAX - 1001n, UINT64_MAX - 1000n), fc.nat(1100), fc.nat(1100))
    .map(([low, a, b]) => [low, low + BigInt(a), low + BigInt(a + b)].map(String) as [string, string, string]),
)
const tokenCall = fc.oneof(
  fc.record({ method: fc.constantFrom<Method>('Create', 'Drop', 'Read'), request: fc.record({ id }) }),
  fc.record({
    method: fc.constant<Method>('Write'),
    request: fc.tuple(id, name, domain).map(([i, n, [low, mid, high]]) => ({ id: i, name: n, low, mid, high })),
  }),
)

/** Checks one reply against the model beyond its status: fields of a write or a read. */
function checkReply(t: ExecutionContext, method: Method, id: string, reply: any): void {
  const model = models.get(id)!
  t.is(reply.id, id)
  if (method === 'Write') {
    const v = model.value!
    if (v.low === v.mid) t.falsy(reply.partial)
    else
      t.true(BigInt(reply.partial.nonce) >= v.low && BigInt(reply.partial.nonce) < v.mid, 'partial within [low, mid)')
  }
  if (method === 'Read') {
    t.is(reply.written, model.value !== undefined)
    if (model.value === undefined) return
    t.like(reply, {
      name: model.value.name,
      low: String(model.value.low),
      mid: String(model.value.mid),
      high: String(model.value.high),
    })
    t.true(
      BigInt(reply.final.nonce) >= model.value.low && BigInt(reply.final.nonce) < model.value.high,
      'final within [low, high)',
    )
  }
}

async function assertAlive(t: ExecutionContext): Promise<void> {
  t.is(cluster.processes.get(target)!.exitCode, null, 'the node process is alive')
  const status = await callers.call(target, 'AdminService', 'Status', {})
  t.is(status.error, undefined, 'the node answers Status')
  t.is(status.reply.node, target)
}

test.serial(
  'TokenService: every request gets the status its oracle names, and the node survives each batch',
  async (t) => {
    let calls = 0
    await fc.assert(
      fc.asyncProperty(fc.array(tokenCall, { minLength: 1, maxLength: 8 }), async (batch) => {
        for (const { method, request } of batch) {
          const expected = expectToken(method, request as any, roles, models, MAX_DOMAIN)
          const { reply, error } = await callers.call(target, 'TokenService', method, request)
          calls++
          const got = error?.code ?? grpc.status.OK
          if (got !== expected.code) {
            throw new Error(
              `${method} ${JSON.stringify(request).slice(0, 300)}: expected ${grpc.status[expected.code]}, got ${grpc.status[got]} ${error?.details ?? ''}`,
            )
          }
          expected.apply?.()
          if (got === grpc.status.OK) checkReply(t, method, request.id, reply)
        }
        await assertAlive(t)
        return true
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 60),
        seed: process.env.SEED === undefined ? undefined : Number(process.env.SEED),
      },
    )
    t.log(`${calls} calls`)
  },
)

test.serial('AdminService: FailSilent and Status under hostile fields', async (t) => {
  // Far-future silences only, so the node keeps serving ('x' or '18446744073709551616' would reach it as 0).
  const afterMs = fc.oneof(
    fc.constantFrom('3600000', '31536000000', '31536000001', '18446744073709551615', '-1', ''),
    fc.bigInt({ min: 3_600_000n, max: UINT64_MAX }).map(String),
  )
  const known = new Set(roles.keys())
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ id, after_ms: afterMs }), { minLength: 1, maxLength: 6 }), async (batch) => {
      for (const request of batch) {
        const expected = expectFailSilent(request, known)
        const { reply, error } = await callers.call(target, 'AdminService', 'FailSilent', request)
        const got = error?.code ?? grpc.status.OK
        if (got !== expected.code) {
          throw new Error(
            `FailSilent ${JSON.stringify(request).slice(0, 300)}: expected ${grpc.status[expected.code]}, got ${grpc.status[got]} ${error?.details ?? ''}`,
          )
        }
        if (got === grpc.status.OK) {
          const after = BigInt(onTheWire('AdminService', 'FailSilent', request)!.received.after_ms)
          t.true(BigInt(reply.at_ms) >= after, `at_ms ${reply.at_ms} is the node time plus after_ms ${after}`)
        }
      }
      await assertAlive(t)
      return true
    }),
    { numRuns: 30 },
  )
  const status = await callers.call(target, 'AdminService', 'Status', {})
  t.deepEqual(
    status.reply.tokens.map((s: any) => [s.id, s.silent]),
    [
      ['W', false],
      ['D', false],
    ],
  )
})
