import test from 'ava'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GrpcServerHost } from '../../src/plugins/grpc/grpc-server-host.js'
import { GrpcTransport } from '../../src/plugins/grpc/grpc-transport.js'
import { ClusterTls } from '../../src/plugins/tls/cluster-tls.js'
import { freeAddresses } from '../support/free-port.js'
import { makeTestCerts, nodeCertName } from '../support/test-certs.js'
import { transportCompliance } from './transport-compliance.js'

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
      const tls = ClusterTls.load({ ca: join(dir, 'ca.pem'), cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`),
        clientCerts: 'optional' }, self, nodes)
      const host = new GrpcServerHost(self, tls.serverCredentials())
      hosts.push(host)
      return new GrpcTransport(host, { fingerprint: 'test-scheme', dialPeer: (peer) => tls.dialPeer(peer) })
    },
    // Certificates for each new node, signed by the same CA (the script keeps what exists).
    nodeIds: async (count) => {
      const ids = await freeAddresses(count)
      makeTestCerts(ids, dir)
      nodes.push(...ids)
      return ids
    },
    cleanup: async () => { await Promise.all(hosts.map((h) => h.shutdown(200))) },
  }
})
