import test from 'ava'
import type { Envelope } from '../../src/core/protocol/messages.js'
import { GrpcServerHost } from '../../src/plugins/grpc/grpc-server-host.js'
import { GrpcTransport } from '../../src/plugins/grpc/grpc-transport.js'
import { freeAddresses } from '../support/free-port.js'
import { transportCompliance, waitFor } from './transport-compliance.js'

transportCompliance('gRPC transport', () => {
  const hosts: GrpcServerHost[] = []
  return {
    make: (self) => {
      const host = new GrpcServerHost(self)
      hosts.push(host)
      return new GrpcTransport(host, { fingerprint: 'test-scheme' })
    },
    nodeIds: freeAddresses,
    cleanup: async () => {
      await Promise.all(hosts.map((h) => h.shutdown(200)))
    },
  }
})

test('gRPC transport: a batch from a node running another scheme is refused, never delivered', async (t) => {
  const [a, b] = await freeAddresses(2)
  const hostA = new GrpcServerHost(a!)
  const hostB = new GrpcServerHost(b!)
  const ta = new GrpcTransport(hostA, { fingerprint: 'scheme-one' })
  const tb = new GrpcTransport(hostB, { fingerprint: 'scheme-two' })
  const received: Envelope[] = []
  try {
    await ta.start(a!, () => {})
    await tb.start(b!, (e) => received.push(e))
    ta.send({ from: a!, to: b!, message: { type: 'query', reqId: 1, token: 'T' } })
    await waitFor(() => tb.refusedBatches > 0)
    t.deepEqual(received, [])
    t.is(tb.malformedMessages, 0)
  } finally {
    await ta.stop()
    await tb.stop()
    await Promise.all([hostA.shutdown(200), hostB.shutdown(200)])
  }
})
