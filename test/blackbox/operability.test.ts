import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import test from 'ava'
import { protoPath as healthProto } from 'grpc-health-check'
import { createRequire } from 'node:module'
import { freeAddresses } from '../support/free-port.js'
import { ProcessCluster } from '../support/process-cluster.js'

const require = createRequire(import.meta.url)
const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto')

let cluster: ProcessCluster
let metricsAddress: string

test.before(async () => {
  ;[metricsAddress] = await freeAddresses(1)
  cluster = await ProcessCluster.create(
    3,
    [
      { token: 'T', writer: 0, readers: [0, 1, 2] },
      { token: 'U', writer: 1, readers: [1, 2] },
    ],
    `metricsAddress: ${metricsAddress}\n`,
  )
  await cluster.start(0, ['--settings', `${cluster.dir}/settings.yaml`])
  await cluster.start(1)
  await cluster.start(2)
  // A first start ends when every replica heard the others (or the settle time passed): until then a replica that
  // goes silent (the health test silences one) leaves the others waiting for the settle time, by design.
  await servedOnce(0, 'T')
  await servedOnce(1, 'U')
})

/** Writes `token` at `index` until a write succeeds (at most 20 tries of 1 s). */
async function servedOnce(index: number, token: string): Promise<void> {
  for (let tries = 0; tries < 20; tries++) {
    const w = await cluster.call(
      index,
      'TokenService',
      'Write',
      { id: token, name: 'started', low: '0', mid: '1', high: '2' },
      1_000,
    )
    if (w.error === undefined) return
  }
  throw new Error(`no write of ${token} succeeded at node ${index}`)
}

test.after.always(async () => {
  await cluster?.stop()
})

function load(file: string): any {
  return grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }),
  )
}

function healthCheck(address: string, service: string): Promise<string> {
  const Health = load(healthProto).grpc.health.v1.Health
  const client = new Health(address, grpc.credentials.createInsecure())
  return new Promise((resolve, reject) =>
    client.Check({ service }, { deadline: Date.now() + 3000 }, (e: Error | null, r: { status: string }) => {
      client.close()
      if (e) reject(e)
      else resolve(r.status)
    }),
  )
}

test.serial(
  'health: the node and each service are SERVING; a token turns NOT_SERVING when the node goes silent for it',
  async (t) => {
    const node = cluster.addresses[2]!
    t.is(await healthCheck(node, ''), 'SERVING')
    t.is(await healthCheck(node, 'tokenmanager.v1.TokenService'), 'SERVING')
    t.is(await healthCheck(node, 'tokenmanager.v1.Token/T'), 'SERVING')
    await cluster.call(2, 'AdminService', 'FailSilent', { id: 'T', after_ms: '0' })
    t.is(await healthCheck(node, 'tokenmanager.v1.Token/T'), 'NOT_SERVING')
    t.is(await healthCheck(node, 'tokenmanager.v1.Token/U'), 'SERVING')
  },
)

/** One request on a fresh reflection stream, and its first answer. */
async function reflect(request: object): Promise<any> {
  const Reflection = load(reflectionProto).grpc.reflection.v1.ServerReflection
  const client = new Reflection(cluster.addresses[0]!, grpc.credentials.createInsecure())
  try {
    return await new Promise((resolve, reject) => {
      const call = client.ServerReflectionInfo()
      call.on('data', (reply: unknown) => {
        resolve(reply)
        call.end()
      })
      call.on('error', reject)
      call.write(request)
    })
  } finally {
    client.close()
  }
}

test.serial('reflection lists our services and Health, each file found by its real path', async (t) => {
  const listed = await reflect({ list_services: '' })
  const services = listed.list_services_response.service.map((s: { name: string }) => s.name)
  for (const name of [
    'tokenmanager.v1.TokenService',
    'tokenmanager.v1.ReplicaService',
    'tokenmanager.v1.AdminService',
    'grpc.health.v1.Health',
  ]) {
    t.true(services.includes(name), name)
  }
  for (const path of ['tokenmanager/v1/token_manager.proto', 'grpc/health/v1/health.proto']) {
    const byName = await reflect({ file_by_filename: path })
    t.falsy(byName.error_response, `${path}: ${JSON.stringify(byName.error_response)}`)
    t.true(byName.file_descriptor_response.file_descriptor_proto.length > 0, path)
  }
  const bySymbol = await reflect({ file_containing_symbol: 'grpc.health.v1.Health' })
  t.true(bySymbol.file_descriptor_response.file_descriptor_proto.length > 0)
})

test.serial('metrics: a scrape changes after operations', async (t) => {
  const scrape = async () => (await fetch(`http://${metricsAddress}/metrics`)).text()
  const count = (text: string) =>
    Number(text.match(/^tm_operations_total\{[^}]*type="write"[^}]*outcome="ok"[^}]*\} (\d+)/m)?.[1] ?? 0)
  const before = count(await scrape())
  for (let i = 0; i < 3; i++) {
    const w = await cluster.call(0, 'TokenService', 'Write', {
      id: 'T',
      name: `m${i}`,
      low: '0',
      mid: '10',
      high: '20',
    })
    t.is(w.error, undefined)
  }
  const after = await scrape()
  t.is(count(after), before + 3)
  t.regex(after, /tm_quorum_round_duration_seconds_count\{[^}]*phase="write"[^}]*\} [1-9]/)
})

test.serial(
  'logs: each line is one JSON object with one node key; the per-RPC token dump is an info event',
  async (t) => {
    const w = await cluster.call(0, 'TokenService', 'Write', { id: 'T', name: 'logged', low: '0', mid: '1', high: '2' })
    t.is(w.error, undefined)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const lines = cluster.logs.get(cluster.addresses[0]!)!
    const events = lines.map((l) => JSON.parse(l) as { level: string; msg: string; token?: unknown; tokens?: string[] })
    t.true(events.some((e) => e.msg === 'node started'))
    const dump = events.find((e) => e.msg.startsWith('Write T ok'))
    t.truthy(dump)
    t.is(dump!.level, 'info')
    t.deepEqual(dump!.tokens, ['T'])
    // JSON.parse keeps the last of two equal keys without a word: count them in the text.
    t.deepEqual(
      lines.filter((line) => line.split('"node":').length !== 2),
      [],
      'one node key per line',
    )
  },
)
