import { join } from 'node:path'
import { packageRoot } from '../../plugins/grpc/package-root.js'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import { freePorts } from '../../node/free-ports.js'
import type { BenchTarget } from '../../bin/load/bench-target.js'
import type { ChildProcesses } from './child-processes.js'
import type { TargetName } from './compare-report.js'
import { EchoTarget } from './echo-target.js'
import { ensureEtcd, startEtcdCluster } from './etcd-cluster.js'
import { EtcdTarget } from './etcd-target.js'
import { startLocalCluster } from './local-cluster.js'
import { TokenTarget } from '../../bin/load/token-target.js'

/**
 * How both systems keep their state in one comparison: `durable` is etcd with fsync against our nodes each with
 * its own data dir; `memory` is etcd with --unsafe-no-fsync against our nodes with --in-memory.
 */
export type CompareMode = 'durable' | 'memory'
export const COMPARE_MODES: readonly CompareMode[] = ['durable', 'memory']

export interface StartedTarget {
  readonly target: BenchTarget
  /** The target's server processes, whose CPU time is counted per operation. */
  readonly pids: readonly number[]
}

export interface CompareTargetOptions {
  readonly mode: CompareMode
  readonly keys: number
  /** Extra node flags for our servers (e.g. --cpu-prof). */
  readonly nodeArgs: readonly string[]
  /** Extra tm-server arguments for our servers (e.g. --settings with tracing). */
  readonly serverArgs?: readonly string[]
  readonly log: (line: string) => void
}

const CALL_TIMEOUT_MS = 10_000

/**
 * Starts the named targets for one mode, each on free 127.0.0.1 ports; their temp dirs are removed by the
 * functions pushed onto `cleanups`. Our cluster spreads the tokens' writers over its 3 nodes (token i on node
 * i mod 3), all 3 nodes reading every token, as users would run it.
 */
export async function startCompareTargets(
  names: readonly TargetName[],
  children: ChildProcesses,
  cleanups: (() => void)[],
  options: CompareTargetOptions,
): Promise<Map<TargetName, StartedTarget>> {
  const started = new Map<TargetName, StartedTarget>()
  if (names.includes('token-manager')) started.set('token-manager', await startOurs(children, cleanups, options))
  if (names.includes('etcd')) started.set('etcd', await startEtcd(children, cleanups, options))
  if (names.includes('echo')) started.set('echo', await startEcho(children, options.keys))
  return started
}

async function startOurs(
  children: ChildProcesses,
  cleanups: (() => void)[],
  options: CompareTargetOptions,
): Promise<StartedTarget> {
  const cluster = await startLocalCluster(children, {
    nodes: 3,
    tokens: options.keys,
    logLevel: 'warn',
    persistence: options.mode,
    nodeArgs: options.nodeArgs,
    ...(options.serverArgs !== undefined && { args: options.serverArgs }),
  })
  cleanups.push(() => cluster.remove())
  options.log(`token-manager (${options.mode}) on ${cluster.addresses.join(', ')}`)
  const scheme = loadSchemeFile(cluster.configPath)
  const tokens = scheme.entries.map((e) => e.token)
  return { target: new TokenTarget(scheme, { tokens, domainSize: 16, timeoutMs: CALL_TIMEOUT_MS }), pids: cluster.pids }
}

async function startEtcd(
  children: ChildProcesses,
  cleanups: (() => void)[],
  options: CompareTargetOptions,
): Promise<StartedTarget> {
  const etcd = ensureEtcd(options.log)
  const fsync = options.mode === 'durable'
  const cluster = await startEtcdCluster(children, etcd, 3, fsync)
  cleanups.push(() => cluster.remove())
  options.log(`etcd (${fsync ? 'fsync' : '--unsafe-no-fsync'}) on ${cluster.endpoints.join(', ')}`)
  const target = new EtcdTarget({
    endpoints: cluster.endpoints,
    keys: options.keys,
    valueBytes: 16,
    timeoutMs: CALL_TIMEOUT_MS,
  })
  return { target, pids: cluster.pids }
}

async function startEcho(children: ChildProcesses, keys: number): Promise<StartedTarget> {
  const [port] = await freePorts(1)
  const server = join(packageRoot(), 'dist/src/tools/bench/echo-server.js')
  const echo = await children.start({
    label: 'echo server',
    command: process.execPath,
    args: [server, `127.0.0.1:${port}`],
    ready: { line: /listening/ },
    timeoutMs: 10_000,
  })
  return { target: new EchoTarget(`127.0.0.1:${port}`, keys, 16, CALL_TIMEOUT_MS), pids: [echo.pid] }
}
