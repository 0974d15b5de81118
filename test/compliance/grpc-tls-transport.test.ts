import test from 'ava'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Envelope } from '../../src/core/protocol/messages.js'
import { GrpcServerHost } from '../../src/plugins/grpc/grpc-server-host.js'
import { GrpcTransport } from '../../src/plugins/grpc/grpc-transport.js'
import { ClusterTls } from '../../src/plugins/tls/cluster-tls.js'
import { freeAddresses } from '../support/free-port.js'
import { makeTestCerts, nodeCertName } from '../support/test-certs.js'
import { transportCompliance, waitFor } from './transport-compliance.js'

// The transport contract again, over mutual TLS with the replica service behind the cluster authorizer.
const dir = mkdtempSync(join(tmpdir(), 'tm-tls-transport-'))
const nodes: string[] = []

test.after.always(() => {
  rmSync(dir, { recursive: true, force: true })
})

transportCompliance('gRPC transport over mutual TLS', () => {
  const hosts: GrpcServerHost[] = []
  return {
    make: (self) => {
      const name = nodeCertName(self)
      const tls = ClusterTls.load(
        {
          ca: join(dir, 'ca.pem'),
          cert: join(dir, `${name}.pem`),
          key: join(dir, `${name}-key.pem`),
          clientCerts: 'optional',
        },
        self,
        nodes,
      )
      const host = new GrpcServerHost(self, tls.serverCredentials())
      hosts.push(host)
      return new GrpcTransport(host, { fingerprint: 'test-scheme', dialPeer: (peer) => tls.dialPeer(peer) })
    },
    // Certificates for each new node, signed by the same CA (tm-certs keeps what exists).
    nodeIds: async (count) => {
      const ids = await freeAddresses(count)
      await makeTestCerts(ids, dir)
      nodes.push(...ids)
      return ids
    },
    cleanup: async () => {
      await Promise.all(hosts.map((h) => h.shutdown(200)))
    },
  }
})

test.serial(
  'gRPC transport over mutual TLS: a peer without cluster credentials delivers nothing, a cluster node does',
  async (t) => {
    const [a, b, c] = await freeAddresses(3)
    await makeTestCerts([b!, c!], dir)
    const tlsOf = (self: string) =>
      ClusterTls.load(
        {
          ca: join(dir, 'ca.pem'),
          cert: join(dir, `${nodeCertName(self)}.pem`),
          key: join(dir, `${nodeCertName(self)}-key.pem`),
          clientCerts: 'optional',
        },
        self,
        [b!, c!],
      )
    const [tlsB, tlsC] = [tlsOf(b!), tlsOf(c!)]
    const hosts = [
      new GrpcServerHost(a!),
      new GrpcServerHost(b!, tlsB.serverCredentials()),
      new GrpcServerHost(c!, tlsC.serverCredentials()),
    ]
    const plain = new GrpcTransport(hosts[0]!, { fingerprint: 'test-scheme' })
    const tb = new GrpcTransport(hosts[1]!, { fingerprint: 'test-scheme', dialPeer: (peer) => tlsB.dialPeer(peer) })
    const tc = new GrpcTransport(hosts[2]!, { fingerprint: 'test-scheme', dialPeer: (peer) => tlsC.dialPeer(peer) })
    const received: Envelope[] = []
    try {
      await plain.start(a!, () => {})
      await tb.start(b!, (e) => received.push(e))
      await tc.start(c!, () => {})
      plain.send({ from: a!, to: b!, message: { type: 'query', reqId: 1, token: 'T' } })
      tc.send({ from: c!, to: b!, message: { type: 'query', reqId: 2, token: 'T' } })
      await waitFor(() => received.length > 0)
      await new Promise((resolve) => setTimeout(resolve, 300))
      t.deepEqual(
        received.map((e) => e.message.reqId),
        [2],
        'only the cluster node got through',
      )
    } finally {
      for (const transport of [plain, tb, tc]) await transport.stop()
      await Promise.all(hosts.map((h) => h.shutdown(200)))
    }
  },
)
