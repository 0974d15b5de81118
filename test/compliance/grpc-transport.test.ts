import { GrpcServerHost } from '../../src/plugins/grpc/grpc-server-host.js'
import { GrpcTransport } from '../../src/plugins/grpc/grpc-transport.js'
import { freeAddresses } from '../support/free-port.js'
import { transportCompliance } from './transport-compliance.js'

transportCompliance('gRPC transport', () => {
  const hosts: GrpcServerHost[] = []
  return {
    make: (self) => {
      const host = new GrpcServerHost(self)
      hosts.push(host)
      return new GrpcTransport(host, { fingerprint: 'test-scheme' })
    },
    nodeIds: freeAddresses,
    cleanup: async () => { await Promise.all(hosts.map((h) => h.shutdown(200))) },
  }
})
