import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import fc from 'fast-check'
import http2 from 'node:http2'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import { ProcessCluster } from '../support/process-cluster.js'
import { protoType, referenceDecode } from '../support/protobuf-reference.js'
import { Callers } from '../support/request-oracle.js'

// Raw HTTP/2 requests on gRPC paths, below any gRPC client: what the node answers to undecodable input is grpc-js's.
const callers = new Callers()
let cluster: ProcessCluster
let self: string

test.before(async () => {
  cluster = await ProcessCluster.create(1, [{ token: 'T', writer: 0, readers: [0] }])
  await cluster.start(0)
  self = cluster.addresses[0]!
})

test.after.always(async () => {
  callers.close()
  await cluster?.stop()
})

/** Posts `body` on `path`; resolves with the grpc-status of the answer (undefined when there is none). */
function post(path: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${self}`)
    const timer = setTimeout(() => {
      session.destroy()
      reject(new Error(`no answer on ${path}`))
    }, 20_000)
    const done = (status: number | undefined): void => {
      clearTimeout(timer)
      session.close()
      resolve(status)
    }
    session.on('error', reject)
    const request = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    })
    let head: http2.IncomingHttpHeaders = {}
    request.on('response', (h) => {
      head = h
    })
    request.on('trailers', (trailers) => done(Number(trailers['grpc-status'])))
    request.on('end', () => done(head['grpc-status'] === undefined ? undefined : Number(head['grpc-status'])))
    request.on('error', reject)
    request.resume()
    request.end(body)
  })
}

/** One gRPC length-prefixed message: flag byte, 4-byte big-endian length, payload. */
function frame(payload: Buffer, flag = 0, length = payload.length): Buffer {
  const prefix = Buffer.alloc(5)
  prefix[0] = flag
  prefix.writeUInt32BE(length, 1)
  return Buffer.concat([prefix, payload])
}

const READ = '/tokenmanager.v1.TokenService/Read'
const readOf = (id: Buffer): Buffer => Buffer.concat([Buffer.from([0x0a, id.length]), id])

async function assertAlive(t: import('ava').ExecutionContext): Promise<void> {
  t.is(cluster.processes.get(self)!.exitCode, null)
  t.is((await callers.call(self, 'AdminService', 'Status', {})).error, undefined, 'the node still answers')
}

test.serial('malformed frames get the status grpc-js gives them, and the node keeps serving', async (t) => {
  const cases: [string, Promise<number | undefined>, grpc.status | undefined][] = [
    ['a valid Read', post(READ, frame(readOf(Buffer.from('T')))), grpc.status.OK],
    ['an undecodable payload', post(READ, frame(Buffer.from([0xff, 0xff, 0xff]))), grpc.status.INTERNAL],
    [
      'a uint64 varint of 11 bytes',
      post(
        '/tokenmanager.v1.TokenService/Write',
        frame(Buffer.from([0x0a, 1, 0x54, 0x18, ...Array(10).fill(0xff), 0x01])),
      ),
      grpc.status.INTERNAL,
    ],
    ['an id that is not UTF-8', post(READ, frame(readOf(Buffer.from([0xc3, 0x28])))), grpc.status.INVALID_ARGUMENT],
    [
      'a length prefix longer than the body',
      post(READ, frame(readOf(Buffer.from('T')), 0, 10)),
      grpc.status.UNIMPLEMENTED,
    ],
    ['a length prefix shorter than the body', post(READ, frame(readOf(Buffer.from('T')), 0, 1)), grpc.status.INTERNAL],
    ['a truncated prefix', post(READ, Buffer.from([0, 0])), grpc.status.UNIMPLEMENTED],
    ['no message at all', post(READ, Buffer.alloc(0)), grpc.status.UNIMPLEMENTED],
    [
      'two messages on a unary method',
      post(READ, Buffer.concat([frame(readOf(Buffer.from('T'))), frame(readOf(Buffer.from('T')))])),
      grpc.status.UNIMPLEMENTED,
    ],
    [
      'a length prefix of 4 GiB',
      post(READ, frame(readOf(Buffer.from('T')), 0, 0xffffffff)),
      grpc.status.RESOURCE_EXHAUSTED,
    ],
    [
      'gzip flag with a payload that is not gzip',
      post(READ, frame(readOf(Buffer.from('T')), 1), { 'grpc-encoding': 'gzip' }),
      grpc.status.INTERNAL,
    ],
    [
      'an unknown method',
      post('/tokenmanager.v1.TokenService/Nope', frame(Buffer.alloc(0))),
      grpc.status.UNIMPLEMENTED,
    ],
    ['an unknown service', post('/nope.v1.Nope/Read', frame(Buffer.alloc(0))), grpc.status.UNIMPLEMENTED],
    [
      'garbage on the replica stream',
      post('/tokenmanager.v1.ReplicaService/Exchange', frame(Buffer.from([0x1a, 0x05, 0xff]))),
      grpc.status.INTERNAL,
    ],
    // grpc-js reads a compressed flag without grpc-encoding as identity (the spec says INTERNAL): recorded as it is.
    ['compressed flag without an encoding', post(READ, frame(readOf(Buffer.from('T')), 1)), grpc.status.OK],
    ['not gRPC at all', post(READ, frame(Buffer.alloc(0)), { 'content-type': 'text/plain' }), undefined],
  ]
  for (const [what, answer, expected] of cases) t.is(await answer, expected, what)
  await assertAlive(t)
})

function varint(n: number): Buffer {
  const bytes: number[] = []
  do {
    bytes.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0))
    n = Math.floor(n / 128)
  } while (n > 0)
  return Buffer.from(bytes)
}

/** Builds a well-formed protobuf field: tag, then a varint, 8 or 4 bytes, or a length-delimited blob. */
function field(number: number, wireType: 0 | 1 | 2 | 5, payload: Buffer): Buffer {
  if (wireType === 2) return Buffer.concat([varint(number * 8 + 2), varint(payload.length), payload])
  return Buffer.concat([varint(number * 8 + wireType), payload])
}

test.serial(
  'random protobuf fields on Read: undecodable is INTERNAL, non-UTF-8 id INVALID_ARGUMENT, else by the id',
  async (t) => {
    const type = protoType('ReadRequest')
    const anyField = fc.oneof(
      fc
        .tuple(fc.constantFrom(1, 2, 15, 1000), fc.uint8Array({ maxLength: 12 }))
        .map(([n, b]) => ({ bytes: field(n, 2, Buffer.from(b)) })),
      fc.tuple(fc.constantFrom(2, 3, 15), fc.nat()).map(([n, v]) => ({ bytes: field(n, 0, varint(v)) })),
      fc
        .tuple(fc.constantFrom(3, 15), fc.constantFrom<1 | 5>(1, 5), fc.uint8Array({ minLength: 8, maxLength: 8 }))
        .map(([n, w, b]) => ({ bytes: field(n, w, Buffer.from(b).subarray(0, w === 1 ? 8 : 4)) })),
      // The id field with a wrong wire type: undecodable (protobufjs would read a string there, swallowing what follows).
      fc.nat().map((v) => ({ bytes: field(1, 0, varint(v)) })),
    )
    // The answer the reference decoder predicts (test/support/protobuf-reference.ts): bytes it refuses even without the
    // UTF-8 rule are undecodable (INTERNAL, as grpc-js answers any request it cannot deserialize); then an id that is
    // not UTF-8 or empty is INVALID_ARGUMENT; else the id decides.
    const payloads = fc.array(anyField, { maxLength: 4 })
    await fc.assert(
      fc.asyncProperty(payloads, async (fields) => {
        const payload = Buffer.concat(fields.map((f) => f.bytes))
        const wire = referenceDecode(type, payload, 0, { utf8: false })
        const strict = referenceDecode(type, payload)
        let expected: grpc.status
        if (!wire.ok) expected = grpc.status.INTERNAL
        else if (!strict.ok || !strict.value.id) expected = grpc.status.INVALID_ARGUMENT
        else expected = strict.value.id === 'T' ? grpc.status.OK : grpc.status.NOT_FOUND
        const got = await post(READ, frame(payload))
        if (got !== expected)
          throw new Error(`payload ${payload.toString('hex')}: expected ${grpc.status[expected]}, got ${got}`)
        return true
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 80) },
    )
    await assertAlive(t)
  },
)

test.serial('random undecodable bytes on every method are INTERNAL', async (t) => {
  const services = loadTokenManagerPackage()
  const methods = (['TokenService', 'AdminService', 'ReplicaService'] as const).flatMap((s) =>
    Object.values(services[s].service as grpc.ServiceDefinition).map((m) => m),
  )
  const garbage = fc
    .tuple(fc.constantFrom(...methods), fc.uint8Array({ minLength: 1, maxLength: 64 }))
    .filter(([method, bytes]) => {
      try {
        method.requestDeserialize(Buffer.from(bytes))
        return false
      } catch {
        return true
      }
    })
  await fc.assert(
    fc.asyncProperty(garbage, async ([method, bytes]) => {
      const got = await post(method.path, frame(Buffer.from(bytes)))
      if (got !== grpc.status.INTERNAL)
        throw new Error(`${method.path} ${Buffer.from(bytes).toString('hex')}: got ${got}`)
      return true
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
  )
  await assertAlive(t)
})
