import { join } from 'node:path'
import { packageRoot } from '../plugins/grpc/package-root.js'
import { hostOf } from '../plugins/tls/secure-dial.js'
import { type LaunchOptions, type StartedProcess, startProcess } from './start-process.js'

/** Where the node keeps replica state: in memory (`--in-memory`) or in `dataDir` (`--data-dir`). */
export type ServerPersistence = 'memory' | { readonly dataDir: string }

export interface ServerProcessOptions extends LaunchOptions {
  /** The replication scheme (YAML), `--config`. */
  readonly configPath: string
  /** The node's access point and identity, `--address`. */
  readonly address: string
  /** Where it binds instead (`--listen`), e.g. behind a proxy that listens on `address`. */
  readonly listen?: string
  /** tm-server's own default (its settings, then data/<ip>_<port>) when unset. */
  readonly persistence?: ServerPersistence
  /** Plaintext (`--insecure`). */
  readonly insecure?: boolean
  readonly logLevel?: string
  /** More tm-server arguments, e.g. `--settings`. */
  readonly args?: readonly string[]
  /** Node (V8) arguments before the script, e.g. --cpu-prof (NODE_OPTIONS does not allow it). */
  readonly nodeArgs?: readonly string[]
  /**
   * Ready when an output line matches (logged at `logLevel`, e.g. /node started/); by default when the port it
   * binds accepts connections, which works at any log level.
   */
  readonly readyLine?: RegExp
  /** Default 30 s: on a loaded 2-core machine a start can take 10 s and more. */
  readonly startTimeoutMs?: number
}

/** A ready tm-server process. */
export interface ServerProcess extends StartedProcess {
  readonly address: string
  /** Where it listens: `listen`, or `address` when none was given. */
  readonly listen: string
}

const DEFAULT_START_TIMEOUT_MS = 30_000

/**
 * Starts this package's tm-server in a child process and resolves once it is ready; a node that exits first or is
 * not ready within the start timeout is killed and the start rejects with the tail of its output. For tests that
 * need a node as its own process: to kill it with SIGKILL, restart it on its data dir, or profile it.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const bound = options.listen ?? options.address
  const script = join(packageRoot(), 'dist/server/tm-server.js')
  const started = await startProcess({
    env: options.env,
    cwd: options.cwd,
    onOutput: options.onOutput,
    onSpawn: options.onSpawn,
    maxOutputLines: options.maxOutputLines,
    label: `tm-server ${options.address}`,
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), script, ...serverArgs(options)],
    ready: options.readyLine === undefined ? { port: portOf(bound), host: hostOf(bound) } : { line: options.readyLine },
    timeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  })
  return { ...started, address: options.address, listen: bound }
}

function serverArgs(options: ServerProcessOptions): string[] {
  const { persistence } = options
  return [
    '--config',
    options.configPath,
    '--address',
    options.address,
    ...(options.listen === undefined ? [] : ['--listen', options.listen]),
    ...(persistence === undefined
      ? []
      : persistence === 'memory'
        ? ['--in-memory']
        : ['--data-dir', persistence.dataDir]),
    ...(options.insecure ? ['--insecure'] : []),
    ...(options.logLevel === undefined ? [] : ['--log-level', options.logLevel]),
    ...(options.args ?? []),
  ]
}

/** The port of `host:port` or `[v6]:port`. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1))
}
