import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packageRoot } from '../../plugins/grpc/package-root.js'
import type { ChildProcesses } from './child-processes.js'
import { freePorts } from './free-address.js'

export interface LocalClusterOptions {
  readonly nodes: number
  readonly tokens: number
  readonly logLevel: string
  /** Extra environment for the servers, e.g. NODE_OPTIONS=--cpu-prof. */
  readonly env?: NodeJS.ProcessEnv
  /** Extra tm-server arguments. */
  readonly args?: readonly string[]
}

export interface LocalCluster {
  readonly addresses: readonly string[]
  readonly configPath: string
  readonly dir: string
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
  await Promise.all(addresses.map((address) => children.start(`tm-server ${address}`, process.execPath,
    [server, '--config', configPath, '--address', address, '--log-level', options.logLevel, ...(options.args ?? [])],
    { port: Number(address.split(':')[1]) }, 15_000, { env: { ...process.env, ...options.env } })))
  return { addresses, configPath, dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
