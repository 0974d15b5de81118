import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packageRoot } from '../../plugins/grpc/package-root.js'
import type { ChildProcesses } from './child-processes.js'
import { freePorts } from '../support/free-ports.js'

export interface LocalClusterOptions {
  readonly nodes: number
  readonly tokens: number
  readonly logLevel: string
  /** Extra node flags for the servers, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  readonly nodeArgs?: readonly string[]
  /** Extra tm-server arguments. */
  readonly args?: readonly string[]
}

export interface LocalCluster {
  readonly addresses: readonly string[]
  readonly configPath: string
  readonly dir: string
  readonly pids: readonly number[]
  remove(): void
}

/**
 * A cluster of ours on free 127.0.0.1 ports: a generated scheme of `tokens` tokens 1..N, each replicated on every
 * node, written by the first node and read by all; one dist/src/bin/tm-server.js process per node.
 */
export async function startLocalCluster(children: ChildProcesses, options: LocalClusterOptions): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-bench-'))
  const addresses = (await freePorts(options.nodes)).map((p) => `127.0.0.1:${p}`)
  const configPath = join(dir, 'tokens.yaml')
  const readers = `[${addresses.join(', ')}]`
  writeFileSync(configPath, Array.from({ length: options.tokens }, (_, i) =>
    `- token: ${i + 1}\n  writer: ${addresses[0]}\n  readers: ${readers}\n`).join(''))
  const server = join(packageRoot(), 'dist/src/bin/tm-server.js')
  const servers = await Promise.all(addresses.map((address) => children.start(`tm-server ${address}`, process.execPath,
    [...(options.nodeArgs ?? []), server, '--config', configPath, '--address', address, '--log-level', options.logLevel,
      // Plaintext, like the etcd and echo servers it is compared with: the benchmark measures the protocol, not TLS.
      '--insecure', ...(options.args ?? [])],
    { port: Number(address.split(':')[1]) }, 60_000)))
  return { addresses, configPath, dir, pids: servers.map((c) => c.pid!), remove: () => rmSync(dir, { recursive: true, force: true }) }
}
