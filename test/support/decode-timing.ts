import { performance } from 'node:perf_hooks'
import type { ReplicaMessage } from '../../src/core/protocol/messages.js'
import { decodeReplicaBatch, encodeReplicaBatch } from '../../src/plugins/grpc/replica-batch-codec.js'
import { decodeWriteRequest } from '../../src/plugins/grpc/token-service-codec.js'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'

/*
 * A tiny timing loop for the hand-written decoders (they are on every replica message and every client request):
 * decodes the same bytes DECODE_ITERATIONS times (1e6 by default), three rounds, and prints the median per kind.
 * Run after a build: `node dist/test/support/decode-timing.js`. Compare a branch against its parent by running it
 * on both builds; the absolute numbers depend on the machine.
 */
const ITERATIONS = Number(process.env.DECODE_ITERATIONS ?? 1_000_000)
const ROUNDS = 3

const ts = { seq: 41n, epoch: 3n }
const token = {
  name: 'token-name',
  low: 1_000n,
  mid: 50_000n,
  high: 2n ** 40n,
  partial: { nonce: 1_234n, hash: 2n ** 63n + 5n },
  final: undefined,
}
const messages: ReplicaMessage[] = [
  { type: 'query', reqId: 1_000_001, token: 'T-17', known: { ts, complete: true } },
  { type: 'query-reply', reqId: 1_000_002, token: 'T-17', ts, value: { kind: 'token', token }, committed: ts },
  { type: 'store', reqId: 1_000_003, token: 'T-17', ts, value: { kind: 'token', token }, writerEpoch: 3n },
  { type: 'store-ack', reqId: 1_000_004, token: 'T-17', holders: ['127.0.0.1:50052', '127.0.0.1:50053'] },
  { type: 'query-same', reqId: 1_000_005, token: 'T-17', committed: ts },
  { type: 'lease-request', reqId: 1_000_006, token: 'T-17', ts },
  { type: 'lease-grant', reqId: 1_000_007, token: 'T-17', leaseMs: 1_000, committed: ts },
  { type: 'commit', reqId: 1_000_008, token: 'T-17', ts },
]
const batch = encodeReplicaBatch({
  from: '127.0.0.1:50051',
  fingerprint: '0123456789abcdef',
  messages: messages.map((message) => ({ to: '127.0.0.1:50052', message })),
})
const write = loadTokenManagerPackage().TokenService.service.Write!.requestSerialize({
  id: 'T-17',
  name: 'token-name',
  low: '1000',
  mid: '50000',
  high: '1099511627776',
})

function medianMs(decode: () => unknown): number {
  const rounds: number[] = []
  let sink = 0
  for (let round = 0; round < ROUNDS; round++) {
    const startMs = performance.now()
    for (let i = 0; i < ITERATIONS; i++) sink += decode() === undefined ? 1 : 0
    rounds.push(performance.now() - startMs)
  }
  if (sink !== 0) throw new Error('a decoder returned nothing')
  return rounds.sort((a, b) => a - b)[1]!
}

const batchMs = medianMs(() => decodeReplicaBatch(batch))
const writeMs = medianMs(() => decodeWriteRequest(write))
console.log(
  JSON.stringify({
    iterations: ITERATIONS,
    batchBytes: batch.length,
    batchMessages: messages.length,
    batchMedianMs: Math.round(batchMs),
    writeRequestMedianMs: Math.round(writeMs),
  }),
)
