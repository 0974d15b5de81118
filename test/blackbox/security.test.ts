import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import test from 'ava'
import { protoPath as healthProto } from 'grpc-health-check'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { hashNonce } from '../../src/core/hash/sha256-argmin.js'
import { schemeFingerprint } from '../../src/plugins/grpc/grpc-module.js'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import type { WireBatch } from '../../src/plugins/grpc/wire-codec.js'
import { secureDial } from '../../src/plugins/tls/secure-dial.js'
import { loadSchemeFile } from '../../src/plugins/yaml-config/scheme-file.js'
import { ProcessCluster } from '../support/process-cluster.js'
import { repoRoot } from '../support/repo-root.js'
import { makeTestCerts, nodeCertName } from '../support/test-certs.js'

const require = createRequire(import.meta.url)
const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto')

/*
 * A secured 3-node cluster on real processes. Token 1 is the one clients use; token 2 is the target of forged
 * replica batches (a store with a huge version that would replace its value if any node accepted it).
 */
let cluster: ProcessCluster
let certs: string
let fingerprint: string

const certFile = nodeCertName

test.before(async () => {
  cluster = await ProcessCluster.create(3, [
    { token: '1', writer: 0, readers: [0, 1, 2] },
    { token: '2', writer: 0, readers: [0, 1, 2] },
  ])
  cluster.plaintext = false
  certs = join(cluster.dir, 'certs')
  await makeTestCerts(cluster.addresses, certs)
  fingerprint = schemeFingerprint(loadSchemeFile(cluster.configPath))
  // Nodes 0 and 1 read the security section of their settings file (paths relative to it); node 2 takes flags.
  for (const index of [0, 1]) {
    const name = certFile(cluster.addresses[index]!)
    writeFileSync(
      join(cluster.dir, `settings-${index}.yaml`),
      `security:\n  ca: certs/ca.pem\n  cert: certs/${name}.pem\n  key: certs/${name}-key.pem\n  clientCerts: optional\n`,
    )
  }
  const third = join(certs, certFile(cluster.addresses[2]!))
  await Promise.all([
    cluster.start(0, ['--settings', join(cluster.dir, 'settings-0.yaml')]),
    cluster.start(1, ['--settings', join(cluster.dir, 'settings-1.yaml')]),
    cluster.start(2, [
      '--tls-ca',
      join(certs, 'ca.pem'),
      '--tls-cert',
      `${third}.pem`,
      '--tls-key',
      `${third}-key.pem`,
    ]),
  ])
})

test.after.always(async () => {
  await cluster?.stop()
})

const pem = (name: string): Buffer => readFileSync(join(certs, name))

/** Client credentials: `identity` names a certificate of the test set (admin, foreign, node-...), none for TLS without one. */
function dial(
  address: string,
  identity?: string,
  ca = 'ca.pem',
): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  return secureDial(address, {
    ca: pem(ca),
    cert: identity === undefined ? undefined : pem(`${identity}.pem`),
    key: identity === undefined ? undefined : pem(`${identity}-key.pem`),
  })
}

const clusterTls = (identity = 'admin'): string[] => [
  '--tls-ca',
  join(certs, 'ca.pem'),
  ...(identity === ''
    ? []
    : ['--tls-cert', join(certs, `${identity}.pem`), '--tls-key', join(certs, `${identity}-key.pem`)]),
]

function tmClient(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'dist/src/bin/tm-client.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function unary(
  address: string,
  service: 'TokenService' | 'AdminService',
  method: string,
  request: object,
  how: ReturnType<typeof dial> | 'plaintext',
): Promise<{ reply?: any; error?: grpc.ServiceError }> {
  const Ctor = loadTokenManagerPackage()[service]
  const client =
    how === 'plaintext'
      ? new Ctor(address, grpc.credentials.createInsecure())
      : new Ctor(address, how.credentials, how.options)
  return new Promise((resolve) => {
    ;(client as any)[method](
      request,
      { deadline: Date.now() + 5_000 },
      (error: grpc.ServiceError | null, reply: unknown) => {
        client.close()
        resolve(error ? { error } : { reply })
      },
    )
  })
}

/** Sends one forged batch claiming to come from `from` on a replica stream; resolves with the stream's status. */
function forgeBatch(address: string, how: ReturnType<typeof dial>, from: string): Promise<grpc.status> {
  const client = new (loadTokenManagerPackage().ReplicaService)(address, how.credentials, how.options)
  // A plausible value (partial inside [low, mid), its true hash), so that only the credentials can be the reason for a refusal.
  const partial = { nonce: '0', hash: String(hashNonce('forged', 0n)) }
  const store = {
    version: { seq: '999999', epoch: '999999' },
    value: { token: { name: 'forged', low: '0', mid: '1', high: '2', partial } },
  }
  const batch: WireBatch = {
    from,
    scheme_fingerprint: fingerprint,
    messages: [{ req_id: '1', token: '2', to: address, store }],
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      call.cancel()
    }, 5_000)
    const call = (client as any).Exchange({ deadline: Date.now() + 5_000 }, (error: grpc.ServiceError | null) => {
      clearTimeout(timer)
      client.close()
      resolve(error === null ? grpc.status.OK : error.code)
    }) as grpc.ClientWritableStream<WireBatch>
    call.on('error', () => {})
    call.write(batch)
    // Leave the stream open a moment so an accepted batch is delivered before the half-close.
    setTimeout(() => call.end(), 300)
  })
}

/** Token 2's version at node `index`, read with the admin certificate. */
async function versionOfToken2(index: number): Promise<string> {
  const { reply, error } = await unary(
    cluster.addresses[index]!,
    'AdminService',
    'Status',
    {},
    dial(cluster.addresses[index]!, 'admin'),
  )
  if (error) throw error
  const token = reply.tokens.find((s: { id: string }) => s.id === '2')
  return token.state?.version?.seq ?? 'none'
}

test.serial(
  'an authenticated cluster replicates: a write through tm-client with certificates is read at another node',
  async (t) => {
    const write = await tmClient([
      'write',
      '--config',
      cluster.configPath,
      '--id',
      '1',
      '--name',
      'secure',
      '--low',
      '0',
      '--mid',
      '10',
      '--high',
      '100',
      '--json',
      ...clusterTls(),
    ])
    t.is(write.code, 0, write.stderr)
    // A read at node 2 (not the writer) needs a quorum of replicas over mutual TLS, and the server-authenticated
    // client TLS (no client certificate) is enough for TokenService.
    const read = await tmClient(['read', '--server', cluster.addresses[2]!, '--id', '1', '--json', ...clusterTls('')])
    t.is(read.code, 0, read.stderr)
    const reply = JSON.parse(read.stdout)
    t.is(reply.name, 'secure')
    t.is(reply.served_by, cluster.addresses[2])
    t.truthy(reply.final)
  },
)

test.serial(
  'replica batches without a node certificate of the cluster CA are refused and change nothing',
  async (t) => {
    const [first, second] = cluster.addresses as [string, string]
    const before = await versionOfToken2(1)
    t.is(await forgeBatch(second, dial(second), first), grpc.status.UNAUTHENTICATED, 'TLS without a client certificate')
    t.is(
      await forgeBatch(second, dial(second, 'foreign'), first),
      grpc.status.UNAUTHENTICATED,
      'a certificate of a foreign CA',
    )
    t.is(
      await forgeBatch(second, dial(second, 'admin'), first),
      grpc.status.PERMISSION_DENIED,
      'a cluster certificate of no node',
    )
    t.is(
      await forgeBatch(second, dial(second, certFile(cluster.addresses[2]!)), first),
      grpc.status.PERMISSION_DENIED,
      'a node certificate claiming to be another node',
    )
    t.is(await versionOfToken2(1), before)
  },
)

test.serial(
  "the same forged batch from the writer's own certificate is taken: the refusals above are not vacuous",
  async (t) => {
    const [first, second] = cluster.addresses as [string, string]
    t.is(await forgeBatch(second, dial(second, certFile(first)), first), grpc.status.OK)
    t.is(await versionOfToken2(1), '999999')
  },
)

test.serial('fail-silent without a cluster certificate is refused and the token keeps being served', async (t) => {
  const node = cluster.addresses[1]!
  const raw = await unary(node, 'AdminService', 'FailSilent', { id: '1', after_ms: '0' }, dial(node))
  t.is(raw.error?.code, grpc.status.UNAUTHENTICATED)
  const foreign = await unary(node, 'AdminService', 'FailSilent', { id: '1', after_ms: '0' }, dial(node, 'foreign'))
  t.is(foreign.error?.code, grpc.status.UNAUTHENTICATED)
  const viaClient = await tmClient(['fail-silent', '--server', node, '--id', '1', ...clusterTls('')])
  t.is(viaClient.code, 9)
  t.regex(viaClient.stderr, /^tm-client: .*UNAUTHENTICATED.*--tls-cert.*\n$/)
  const read = await tmClient(['read', '--server', node, '--id', '1', '--json', '--timeout', '3000', ...clusterTls('')])
  t.is(read.code, 0, read.stderr)
  t.is(JSON.parse(read.stdout).name, 'secure')
  const status = await unary(node, 'AdminService', 'Status', {}, dial(node, 'admin'))
  t.false(status.reply.tokens.find((s: { id: string }) => s.id === '1').silent)
})

test.serial(
  'a plaintext client to a TLS node fails cleanly, and tm-client --insecure hints at the certificates',
  async (t) => {
    const node = cluster.addresses[0]!
    const raw = await unary(node, 'TokenService', 'Read', { id: '1' }, 'plaintext')
    t.is(raw.error?.code, grpc.status.UNAVAILABLE)
    const read = await tmClient(['read', '--server', node, '--id', '1', '--timeout', '3000', '--insecure'])
    t.is(read.code, 7)
    t.regex(read.stderr, /^tm-client: .*unavailable.*drop --insecure.*--tls-ca[^\n]*\n$/)
    const wrongCa = await tmClient([
      'read',
      '--server',
      node,
      '--id',
      '1',
      '--timeout',
      '3000',
      '--tls-ca',
      join(certs, 'foreign-ca.pem'),
    ])
    t.is(wrongCa.code, 7)
    t.regex(wrongCa.stderr, /^tm-client: .*certificate[^\n]*\n$/)
  },
)

test.serial('health and reflection answer TLS clients without a client certificate', async (t) => {
  const node = cluster.addresses[0]!
  const { credentials, options } = dial(node)
  const load = (file: string): any =>
    grpc.loadPackageDefinition(
      protoLoader.loadSync(file, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }),
    )
  const Health = load(healthProto).grpc.health.v1.Health
  const client = new Health(node, credentials, options)
  const status = await new Promise<string>((resolve, reject) =>
    client.Check(
      { service: 'tokenmanager.v1.ReplicaService' },
      { deadline: Date.now() + 5_000 },
      (e: Error | null, r: { status: string }) => {
        client.close()
        if (e) reject(e)
        else resolve(r.status)
      },
    ),
  )
  t.is(status, 'SERVING')
  const Reflection = load(reflectionProto).grpc.reflection.v1.ServerReflection
  const reflection = new Reflection(node, credentials, options)
  const services = await new Promise<string[]>((resolve, reject) => {
    const call = reflection.ServerReflectionInfo({ deadline: Date.now() + 5_000 })
    call.on('data', (r: { list_services_response?: { service: { name: string }[] } }) => {
      resolve(r.list_services_response!.service.map((s) => s.name))
      call.end()
    })
    call.on('error', reject)
    call.write({ list_services: '' })
  })
  reflection.close()
  t.true(services.includes('tokenmanager.v1.ReplicaService'))
})

test.serial(
  'with clientCerts: required the handshake itself wants a cluster certificate, for TokenService too',
  async (t) => {
    const single = await ProcessCluster.create(1, [{ token: '1', writer: 0, readers: [0] }])
    try {
      const node = single.addresses[0]!
      single.plaintext = false
      const dir = await makeTestCerts([node], join(single.dir, 'certs'))
      writeFileSync(
        join(single.dir, 'settings.yaml'),
        `security: { ca: certs/ca.pem, cert: certs/${certFile(node)}.pem, ` +
          `key: certs/${certFile(node)}-key.pem, clientCerts: required }\n`,
      )
      await single.start(0, ['--settings', join(single.dir, 'settings.yaml')])
      const tls = (identity?: string): ReturnType<typeof dial> =>
        secureDial(node, {
          ca: readFileSync(join(dir, 'ca.pem')),
          cert: identity === undefined ? undefined : readFileSync(join(dir, `${identity}.pem`)),
          key: identity === undefined ? undefined : readFileSync(join(dir, `${identity}-key.pem`)),
        })
      t.is((await unary(node, 'TokenService', 'Create', { id: '1' }, tls())).error?.code, grpc.status.UNAVAILABLE)
      const read = await unary(node, 'TokenService', 'Read', { id: '1' }, tls('admin'))
      t.is(read.error, undefined)
      t.is(read.reply.served_by, node)
    } finally {
      await single.stop()
    }
  },
)
