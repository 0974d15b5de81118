import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import test from 'ava'
import { createRequire } from 'node:module'
import { LazyReflection } from '../../../src/plugins/grpc/lazy-reflection.js'
import { reflectionDefinition } from '../../../src/plugins/grpc/reflection-definition.js'

const require = createRequire(import.meta.url)
const protoOf = (version: string): string =>
  require.resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`)

/** The services a `list_services` request on reflection `version` (v1, v1alpha) of `address` names. */
async function listServices(address: string, version: 'v1' | 'v1alpha'): Promise<string[]> {
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(protoOf(version), { keepCase: true })) as any
  const Reflection = loaded.grpc.reflection[version].ServerReflection
  const client = new Reflection(address, grpc.credentials.createInsecure())
  try {
    const reply = await new Promise<any>((resolve, reject) => {
      const call = client.ServerReflectionInfo()
      call.on('data', (answer: unknown) => {
        resolve(answer)
        call.end()
      })
      call.on('error', reject)
      call.write({ list_services: '' })
    })
    return reply.list_services_response.service.map((s: { name: string }) => s.name)
  } finally {
    client.close()
  }
}

test('reflection builds its index at the first call, once, and then answers both versions', async (t) => {
  let built = 0
  const reflection = new LazyReflection(() => {
    built++
    return reflectionDefinition()
  })
  const server = new grpc.Server()
  reflection.addToServer(server)
  t.is(built, 0, 'nothing is built at start')
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  )
  try {
    for (const version of ['v1', 'v1alpha'] as const) {
      const services = await listServices(`127.0.0.1:${port}`, version)
      t.true(services.includes('tokenmanager.v1.TokenService'), `${version}: ${services.join(', ')}`)
      t.true(services.includes('grpc.health.v1.Health'), version)
    }
    t.is(built, 1)
  } finally {
    server.forceShutdown()
  }
})
