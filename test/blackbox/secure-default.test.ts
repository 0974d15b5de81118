import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { schemeFingerprint } from '../../src/plugins/grpc/grpc-module.js'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import type { WireBatch } from '../../src/plugins/grpc/wire-codec.js'
import { secureDial } from '../../src/plugins/tls/secure-dial.js'
import { loadSchemeFile } from '../../src/plugins/yaml-config/scheme-file.js'
import { ProcessCluster } from '../support/process-cluster.js'
import { runBin } from '../support/run-bin.js'
import { makeTestCerts } from '../support/test-certs.js'
import { hashNonce } from '../../src/core/hash/sha256-argmin.js'

/*
 * The reviewer's attack on real processes: a program that is no cluster member writes once through TokenService
 * (for a version), reads the scheme fingerprint from AdminService.Status (or knows the scheme), then sends one
 * ReplicaService.Exchange batch per reader claiming to be the writer with the next version of a forged value.
 * Against nodes started as the README says (`tm-certs create`, then `tm-server` with no security flags) it must
 * fail; against nodes started with --insecure it succeeds, which shows the check can fail.
 */
const SCHEME = [{ token: 'T', writer: 0, readers: [0, 1, 2] }]

interface Dial {
  credentials: grpc.ChannelCredentials
  options: grpc.ChannelOptions
}
const plaintext: Dial = { credentials: grpc.credentials.createInsecure(), options: {} }

function unary(
  address: string,
  service: 'TokenService' | 'AdminService',
  method: string,
  request: object,
  dial: Dial,
): Promise<{ reply?: any; error?: grpc.ServiceError }> {
  const client = new (loadTokenManagerPackage()[service])(address, dial.credentials, dial.options)
  return new Promise((resolve) => {
    ;(client as any)[method](
      request,
      { deadline: Date.now() + 15_000 },
      (error: grpc.ServiceError | null, reply: unknown) => {
        client.close()
        resolve(error ? { error } : { reply })
      },
    )
  })
}

/** Streams one batch to `address`'s Exchange and half-closes; resolves with the status the stream ended with. */
function exchange(address: string, batch: WireBatch, dial: Dial): Promise<grpc.status> {
  const client = new (loadTokenManagerPackage().ReplicaService)(address, dial.credentials, dial.options)
  return new Promise((resolve) => {
    const call = (client as any).Exchange({ deadline: Date.now() + 15_000 }, (error: grpc.ServiceError | null) => {
      client.close()
      resolve(error === null ? grpc.status.OK : error.code)
    }) as grpc.ClientWritableStream<WireBatch>
    call.on('error', () => {})
    call.write(batch)
    // An accepted batch is delivered before the half-close ends the stream.
    setTimeout(() => call.end(), 300)
  })
}

interface AttackResult {
  /** How Status and each Exchange ended for the attacker. */
  readonly statusCode: grpc.status
  readonly exchangeCodes: grpc.status[]
  /** The name each reader returns afterwards, to a legitimate client. */
  readonly namesRead: string[]
}

/**
 * The attack, with `attacker` dialing as it can (no cluster certificate) and `client` the legitimate reader's
 * credentials. The attacker gets the fingerprint from Status when that answers, else from the scheme file (the
 * strongest attacker: it knows the configuration).
 */
async function forgeWriter(
  cluster: ProcessCluster,
  attacker: Dial,
  client: (address: string) => Dial,
): Promise<AttackResult> {
  const [writer] = cluster.addresses as [string]
  const write = await unary(
    writer,
    'TokenService',
    'Write',
    { id: 'T', name: 'genuine', low: '0', mid: '10', high: '100' },
    client(writer),
  )
  if (write.error) throw write.error
  const version = write.reply.version as { seq: string; epoch: string }
  const status = await unary(writer, 'AdminService', 'Status', {}, attacker)
  const fingerprint = status.reply?.scheme_fingerprint ?? schemeFingerprint(loadSchemeFile(cluster.configPath))
  const store = {
    version: { seq: String(BigInt(version.seq) + 1n), epoch: version.epoch },
    value: {
      token: {
        name: 'forged',
        low: '0',
        mid: '1',
        high: '2',
        partial: { nonce: '0', hash: String(hashNonce('forged', 0n)) },
      },
    },
  }
  const exchangeCodes = await Promise.all(
    cluster.addresses.map((reader) =>
      exchange(
        reader,
        {
          from: writer,
          scheme_fingerprint: fingerprint,
          messages: [{ req_id: '1', token: 'T', to: reader, writer_epoch: version.epoch, store }],
        } as WireBatch,
        attacker,
      ),
    ),
  )
  const namesRead: string[] = []
  for (const reader of cluster.addresses) {
    const read = await unary(reader, 'TokenService', 'Read', { id: 'T' }, client(reader))
    namesRead.push(read.error ? `error ${read.error.code}` : read.reply.name)
  }
  return { statusCode: status.error?.code ?? grpc.status.OK, exchangeCodes, namesRead }
}

test('the forged-writer batch rewrites the token at every reader of an --insecure cluster (the attack works)', async (t) => {
  const cluster = await ProcessCluster.create(3, SCHEME)
  try {
    await cluster.startAll()
    const result = await forgeWriter(cluster, plaintext, () => plaintext)
    t.is(result.statusCode, grpc.status.OK)
    t.deepEqual(result.exchangeCodes, [grpc.status.OK, grpc.status.OK, grpc.status.OK])
    t.deepEqual(result.namesRead, ['forged', 'forged', 'forged'])
  } finally {
    await cluster.stop()
  }
})

test('a cluster started the README way (tm-certs create, then tm-server without flags) refuses the forged writer', async (t) => {
  const cluster = await ProcessCluster.create(3, SCHEME)
  try {
    cluster.plaintext = false
    cluster.cwd = cluster.dir
    const made = await runBin('tm-certs', ['create', '--config', cluster.configPath], { cwd: cluster.dir })
    t.is(made.code, 0, made.stderr)
    await cluster.startAll()
    const certs = join(cluster.dir, 'certs')
    const ca = readFileSync(join(certs, 'ca.pem'))
    const client = (address: string): Dial => secureDial(address, { ca })
    // Another cluster's CA and a certificate it made for the writer's own access point.
    const foreign = await makeTestCerts([cluster.addresses[0]!])
    const attackers: [string, Dial, grpc.status][] = [
      ['plaintext', plaintext, grpc.status.UNAVAILABLE],
      ['TLS without a client certificate', secureDial(cluster.addresses[0]!, { ca }), grpc.status.UNAUTHENTICATED],
      [
        'a certificate of another CA',
        secureDial(cluster.addresses[0]!, {
          ca,
          cert: readFileSync(join(foreign, 'foreign.pem')),
          key: readFileSync(join(foreign, 'foreign-key.pem')),
        }),
        grpc.status.UNAUTHENTICATED,
      ],
    ]
    for (const [who, attacker, refusal] of attackers) {
      const result = await forgeWriter(cluster, attacker, client)
      t.is(result.statusCode, refusal, `${who}: AdminService.Status`)
      t.deepEqual(result.exchangeCodes, [refusal, refusal, refusal], `${who}: ReplicaService.Exchange`)
      t.deepEqual(
        result.namesRead,
        ['genuine', 'genuine', 'genuine'],
        `${who}: every reader still returns the real value`,
      )
    }
  } finally {
    await cluster.stop()
  }
})
