import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchSchemeText, type WriterLayout } from './bench-scheme.js'
import type { ChildProcesses } from './child-processes.js'
import { freePorts } from '../../node/free-ports.js'
import type { ServerProcess } from '../../node/server-process.js'

/** Where our nodes keep replica state: in memory (`--in-memory`), or each in its own data dir (`--data-dir`). */
export type ClusterPersistence = 'memory' | 'durable'

export interface LocalClusterOptions {
  readonly nodes: number
  readonly tokens: number
  readonly logLevel: string
  readonly persistence: ClusterPersistence
  /** Who writes each token (default: spread over the nodes, token i on node i mod n). */
  readonly writers?: WriterLayout
  /** Extra node flags for the servers, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  readonly nodeArgs?: readonly string[]
  /** Extra tm-server arguments. */
  readonly args?: readonly string[]
  /** How long a node may take to start (default 60 s). */
  readonly readyTimeoutMs?: number
  /** Ready when a line matches (it must be logged at `logLevel`), rather than when the port accepts connections. */
  readonly readyLine?: RegExp
}

export interface LocalCluster {
  readonly addresses: readonly string[]
  readonly configPath: string
  readonly dir: string
  /** Each node's data dir (durable only), inside `dir`: on the same filesystem as etcd's temp dirs. */
  readonly dataDirs: readonly string[]
  /** The current process of each node (a restart replaces it). */
  readonly pids: readonly number[]
  /** Each node's last start: its process, when it was spawned and found ready. */
  readonly starts: readonly ServerProcess[]
  /** SIGKILL to node `index`, resolved once it exited: a crash, with no chance to flush anything. */
  kill(index: number): Promise<void>
  /** Starts node `index` again with the same arguments (and data dir); resolves when it is ready. */
  restart(index: number): Promise<ServerProcess>
  remove(): void
}

/**
 * A cluster of ours on free 127.0.0.1 ports: a generated scheme of `tokens` tokens 1..N, each replicated on every
 * node and read by all, written as `writers` says; one dist/server/tm-server.js process per node, all started at once.
 */
export async function startLocalCluster(children: ChildProcesses, options: LocalClusterOptions): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-bench-'))
  const addresses = (await freePorts(options.nodes)).map((p) => `127.0.0.1:${p}`)
  const configPath = join(dir, 'tokens.yaml')
  writeFileSync(configPath, benchSchemeText(addresses, options.tokens, options.writers))
  const dataDirs = options.persistence === 'durable' ? addresses.map((_, i) => join(dir, `data-${i + 1}`)) : []
  const start = (index: number): Promise<ServerProcess> =>
    startNode(children, options, configPath, addresses[index]!, dataDirs[index])
  const remove = (): void => rmSync(dir, { recursive: true, force: true })
  let starts: ServerProcess[]
  try {
    starts = await Promise.all(addresses.map((_, i) => start(i)))
  } catch (error) {
    await children.stopAll()
    remove()
    throw error
  }
  return {
    addresses,
    configPath,
    dir,
    dataDirs,
    remove,
    get pids() {
      return starts.map((s) => s.pid)
    },
    get starts() {
      return starts
    },
    kill: (index) => starts[index]!.kill('SIGKILL'),
    restart: async (index) => {
      const started = await start(index)
      starts = starts.map((s, i) => (i === index ? started : s))
      return started
    },
  }
}

function startNode(
  children: ChildProcesses,
  options: LocalClusterOptions,
  configPath: string,
  address: string,
  dataDir: string | undefined,
): Promise<ServerProcess> {
  return children.startServer({
    configPath,
    address,
    persistence: dataDir === undefined ? 'memory' : { dataDir },
    logLevel: options.logLevel,
    // Plaintext, like the etcd and echo servers it is compared with: the benchmark measures the protocol, not TLS.
    insecure: true,
    args: options.args,
    nodeArgs: options.nodeArgs,
    readyLine: options.readyLine,
    startTimeoutMs: options.readyTimeoutMs ?? 60_000,
  })
}
