import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import type { IncomingBatch } from '../../../src/plugins/grpc/replica-batch-codec.js'
import { replicaClientConstructor, replicaServiceDefinition } from '../../../src/plugins/grpc/replica-batch-codec.js'
import { PeerLink, type PeerLinkOptions } from '../../../src/plugins/grpc/peer-link.js'
import { freeAddresses } from '../../support/free-port.js'

/** A peer that counts the replica messages it receives on its Exchange streams. */
async function countingPeer(address: string): Promise<{ received: () => number; stop: () => void }> {
  let received = 0
  const server = new grpc.Server()
  server.addService(replicaServiceDefinition(), {
    Exchange: (call: grpc.ServerReadableStream<IncomingBatch, unknown>) => {
      call.on('data', (batch: IncomingBatch) => {
        received += batch.messages.length
      })
    },
  })
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  )
  return { received: () => received, stop: () => server.forceShutdown() }
}

/**
 * Sends `send` every 50 ms until `condition` holds, as the protocol's own retries do: the link is loss-tolerant
 * by contract, so a message written while the channel was still failing may be lost, and only a later one counts.
 */
async function untilDelivered(send: () => void, condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (condition()) return true
    send()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return condition()
}

const QUERY = { type: 'query', reqId: 1, token: 't' } as const

/** A link to `address` with small bounds; `options` replaces any of them (a queue age, channel options). */
function linkTo(address: string, options: Partial<PeerLinkOptions> = {}): PeerLink {
  return new PeerLink(address, replicaClientConstructor(), {
    self: '127.0.0.1:1',
    fingerprint: 'f',
    maxQueued: 100,
    maxBatch: 10,
    maxBackoffMs: 200,
    ...options,
  })
}

test.serial('a wall clock stepped back an hour while the link backs off does not hold the link shut', async (t) => {
  const [address] = (await freeAddresses(1)) as [string]
  const link = linkTo(address)
  const realNow = Date.now
  t.teardown(() => {
    Date.now = realNow
    link.close()
  })
  // Nobody listens yet: the stream breaks and the link backs off.
  link.send(QUERY)
  await new Promise((resolve) => setTimeout(resolve, 300))
  // An NTP step or a restored VM snapshot: the wall clock jumps back an hour while the link waits to retry.
  Date.now = () => realNow() - 3_600_000
  link.send(QUERY)
  const peer = await countingPeer(address)
  t.teardown(peer.stop)
  const delivered = await untilDelivered(
    () => link.send(QUERY),
    () => peer.received() > 0,
    10_000,
  )
  t.true(delivered, 'the peer hears from the link within seconds, not an hour')
})

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline && !condition()) await new Promise((resolve) => setTimeout(resolve, 20))
  return condition()
}

test.serial(
  'a message sent while the channel backs off from a failed attempt waits for the next attempt instead of dying in a failed stream',
  async (t) => {
    const [address] = (await freeAddresses(1)) as [string]
    const link = linkTo(address)
    t.teardown(() => link.close())
    // Nobody listens: the first attempt fails and the channel backs off (grpc-js: 100 ms, growing).
    link.send(QUERY)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const peer = await countingPeer(address)
    t.teardown(peer.stop)
    // Sent once, not again: before, grpc-js failed the stream opened in backoff, and the message with it.
    link.send(QUERY)
    t.true(await until(() => peer.received() >= 1, 5_000), 'the message arrives once the channel reconnects')
  },
)

test.serial(
  'a peer that comes back and speaks first is dialled again at once, not after the reconnect backoff',
  async (t) => {
    const [address] = (await freeAddresses(1)) as [string]
    // A reconnect backoff of a minute: only a redial can reach the peer within the test's seconds.
    const link = linkTo(address, {
      dial: {
        credentials: grpc.credentials.createInsecure(),
        options: { 'grpc.initial_reconnect_backoff_ms': 60_000, 'grpc.max_reconnect_backoff_ms': 60_000 },
      },
    })
    t.teardown(() => link.close())
    link.send(QUERY)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const peer = await countingPeer(address)
    t.teardown(peer.stop)
    link.send(QUERY)
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.is(peer.received(), 0, 'the channel is still in its backoff')
    link.heard()
    t.true(await until(() => peer.received() >= 1, 5_000), 'the queued messages arrive over the new connection')
    t.is(link.redials, 1)
  },
)

test.serial(
  'a peer that was away for seconds gets only the messages of the last maxQueuedAgeMs when it returns',
  async (t) => {
    const [address] = (await freeAddresses(1)) as [string]
    const link = linkTo(address, { maxQueued: 1_000, maxQueuedAgeMs: 500 })
    t.teardown(() => link.close())
    // One message every 50 ms for 2 s to a port nobody listens on: 40 messages, as rounds resending would send.
    for (let i = 0; i < 40; i++) {
      link.send(QUERY)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const peer = await countingPeer(address)
    t.teardown(peer.stop)
    // The rounds go on resending until the channel reconnects (up to its reconnect backoff, 2 s).
    let sent = 40
    const delivered = await untilDelivered(
      () => {
        sent++
        link.send(QUERY)
      },
      () => peer.received() > 0,
      10_000,
    )
    t.true(delivered)
    await new Promise((resolve) => setTimeout(resolve, 200))
    // At most the last 0.5 s of messages (about 10, fewer on a slow machine); the link dropped the others.
    t.true(peer.received() <= 15, `the returning peer got ${peer.received()} of ${sent} messages`)
    t.true(link.dropped >= sent - 15)
  },
)
