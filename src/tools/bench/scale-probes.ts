import * as grpc from '@grpc/grpc-js'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { loadTokenManagerPackage } from '../../plugins/grpc/proto.js'
import { sleep } from '../../node/start-process.js'
import { type DialOf, UnaryClient } from '../../bin/load/unary-client.js'

/** Plaintext with a short reconnect backoff: a probe must see a node that just started at once, not after 1 s. */
const quickDial: DialOf = () => ({
  credentials: grpc.credentials.createInsecure(),
  options: { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 250 },
})

/** A TokenService client to one node, for probes. */
export function tokenClient(address: string): UnaryClient {
  return new UnaryClient(address, loadTokenManagerPackage().TokenService, quickDial)
}

/** Resident memory of process `pid` in MB (VmRSS from /proc), or NaN where /proc has none. */
export function rssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'))
    return line === undefined ? NaN : Number(line.split(/\s+/)[1]) / 1024
  } catch {
    return NaN
  }
}

/**
 * Reads `token` at the probed node until one read succeeds; resolves with when it did (performance.now() ms).
 * Each call has `callTimeoutMs`; failures are retried after 20 ms until `timeoutMs`, then the last error is thrown.
 */
export async function firstRead(
  client: UnaryClient,
  token: string,
  timeoutMs: number,
  callTimeoutMs = 2_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs
  let last: unknown
  while (performance.now() < deadline) {
    try {
      await client.call('Read', { id: token }, callTimeoutMs)
      return performance.now()
    } catch (error) {
      last = error
      await sleep(20)
    }
  }
  throw new Error(`no read of token ${token} at ${client.address} succeeded within ${timeoutMs} ms: ${String(last)}`)
}
