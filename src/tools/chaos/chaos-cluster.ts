import type { ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { portOf, type ServerProcess, startServerProcess } from '../../node/server-process.js'
import { DelayProxy } from './delay-proxy.js'
import { faketimeLibrary, steppedClockEnv, writeOffset } from './wall-clock.js'

export interface ChaosNode {
  readonly index: number
  /** The access point in the scheme: the delay proxy listens here. */
  readonly address: string
  /** Where tm-server itself listens (`--listen`). */
  readonly listen: string
  readonly dataDir: string
  readonly logFile: string
  /** The node's wall-clock offset for libfaketime (see wall-clock.ts). */
  readonly clockFile: string
  readonly proxy: DelayProxy
  process: ServerProcess | undefined
  incarnation: number
}

export interface ClusterOptions {
  readonly dir: string
  readonly configPath: string
  /** Access points and listen addresses, one pair per node, on free 127.0.0.1 ports. */
  readonly addresses: readonly string[]
  readonly listens: readonly string[]
  readonly startTimeoutMs: number
  readonly operationTimeoutMs: number
}

/**
 * The chaos run's tm-server processes: durable (`--data-dir`, one dir per node kept across restarts), each behind
 * its delay proxy, logs appended per node (one file across incarnations). `kill` is SIGKILL: no clean shutdown.
 */
export class ChaosCluster {
  readonly nodes: ChaosNode[]
  private readonly logs = new Map<number, WriteStream>()
  /** Nodes spawned but not ready yet. */
  private readonly starting = new Map<number, ChildProcess>()
  /** libfaketime, when installed: nodes then run on a wall clock the nemesis can step. */
  readonly faketime = faketimeLibrary()

  private constructor(
    private readonly options: ClusterOptions,
    proxies: DelayProxy[],
  ) {
    this.nodes = options.addresses.map((address, index) => ({
      index,
      address,
      listen: options.listens[index]!,
      proxy: proxies[index]!,
      dataDir: join(options.dir, `data-${index}`),
      logFile: join(options.dir, `node-${index}.log`),
      clockFile: join(options.dir, `clock-${index}.faketime`),
      process: undefined,
      incarnation: 0,
    }))
  }

  static async create(options: ClusterOptions, random: () => number): Promise<ChaosCluster> {
    const proxies = await Promise.all(
      options.addresses.map((address, i) => DelayProxy.start(portOf(address), portOf(options.listens[i]!), random)),
    )
    const cluster = new ChaosCluster(options, proxies)
    // However the harness ends (an interrupt included), no node outlives it.
    process.once('exit', () => {
      for (const node of cluster.nodes) node.process?.child.kill('SIGKILL')
      for (const child of cluster.starting.values()) child.kill('SIGKILL')
    })
    return cluster
  }

  isUp(index: number): boolean {
    return this.nodes[index]!.process?.isUp() ?? false
  }

  /**
   * Starts node `index` on its data dir and waits until it serves (bounded by startTimeoutMs); returns at once if
   * it is up or already starting.
   */
  async start(index: number): Promise<void> {
    const node = this.nodes[index]!
    if (this.isUp(index) || this.starting.has(index)) return
    node.incarnation++
    const log = this.logOf(index)
    log.write(`--- chaos: start incarnation ${node.incarnation} at ${new Date().toISOString()}\n`)
    const env = this.faketime === undefined ? undefined : steppedClockEnv(this.faketime, node.clockFile)
    // A node that does not serve in time is killed by the launcher, so that it is plainly down, never half-started.
    node.process = await startServerProcess({
      configPath: this.options.configPath,
      address: node.address,
      listen: node.listen,
      persistence: { dataDir: node.dataDir },
      // At warn the node prints nothing on start: it is ready when its listen port accepts connections.
      logLevel: 'warn',
      // Plaintext on purpose: the chaos run tests the protocol under faults, its clients and proxies speak plaintext.
      insecure: true,
      args: ['--operation-timeout-ms', String(this.options.operationTimeoutMs)],
      env,
      startTimeoutMs: this.options.startTimeoutMs,
      onOutput: (chunk) => log.write(chunk),
      // Killed on the harness's exit even while it starts.
      onSpawn: (child) => this.starting.set(index, child),
    }).finally(() => this.starting.delete(index))
  }

  /** kill -9 node `index` and waits for it to be gone. */
  async kill(index: number): Promise<void> {
    const node = this.nodes[index]!.process
    if (node === undefined || !node.isUp()) return
    await node.kill('SIGKILL')
    this.logOf(index).write(`--- chaos: killed (SIGKILL) at ${new Date().toISOString()}\n`)
  }

  /** Deletes a (killed) node's data dir: it restarts without its state, as a memory-mode node or a lost disk. */
  async wipe(index: number): Promise<void> {
    await rm(this.nodes[index]!.dataDir, { recursive: true, force: true })
    this.logOf(index).write(`--- chaos: data dir deleted at ${new Date().toISOString()}\n`)
  }

  /** Steps node `index`'s wall clock to `offsetS` seconds from real time; false without libfaketime. */
  stepClock(index: number, offsetS: number): boolean {
    if (this.faketime === undefined) return false
    writeOffset(this.nodes[index]!.clockFile, offsetS)
    this.logOf(index).write(`--- chaos: wall clock stepped to ${offsetS} s at ${new Date().toISOString()}\n`)
    return true
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.index)))
    await Promise.all(this.nodes.map((n) => n.proxy.stop()))
    await Promise.all([...this.logs.values()].map((log) => new Promise((resolve) => log.end(resolve))))
  }

  private logOf(index: number): WriteStream {
    let log = this.logs.get(index)
    if (log === undefined) {
      log = createWriteStream(this.nodes[index]!.logFile, { flags: 'a' })
      this.logs.set(index, log)
    }
    return log
  }
}
