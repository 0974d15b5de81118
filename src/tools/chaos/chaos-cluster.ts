import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { packageRoot } from '../../plugins/grpc/package-root.js'
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
  process: ChildProcess | undefined
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
      for (const node of cluster.nodes) node.process?.kill('SIGKILL')
    })
    return cluster
  }

  isUp(index: number): boolean {
    const child = this.nodes[index]!.process
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  /** Starts node `index` on its data dir and waits until it serves (bounded by startTimeoutMs). */
  async start(index: number): Promise<void> {
    const node = this.nodes[index]!
    if (this.isUp(index)) return
    node.incarnation++
    const log = this.logOf(index)
    log.write(`--- chaos: start incarnation ${node.incarnation} at ${new Date().toISOString()}\n`)
    const args = [
      join(packageRoot(), 'dist/src/bin/tm-server.js'),
      '--config',
      this.options.configPath,
      '--address',
      node.address,
      '--listen',
      node.listen,
      '--data-dir',
      node.dataDir,
      '--operation-timeout-ms',
      String(this.options.operationTimeoutMs),
      '--log-level',
      'warn',
      // Plaintext on purpose: the chaos run tests the protocol under faults, its clients and proxies speak plaintext.
      '--insecure',
    ]
    const env = this.faketime === undefined ? process.env : steppedClockEnv(this.faketime, node.clockFile)
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    node.process = child
    let output = ''
    const collect = (chunk: Buffer): void => {
      log.write(chunk)
      if (output.length < 100_000) output += chunk.toString()
    }
    child.stdout!.on('data', collect)
    child.stderr!.on('data', collect)
    await new Promise<void>((resolve, reject) => {
      // A node that does not serve in time is killed, so that it is plainly down, never half-started.
      const timer = setTimeout(() => {
        child.off('exit', onExit)
        child.once('exit', () =>
          reject(new Error(`node ${node.address} did not start within ${this.options.startTimeoutMs} ms`)),
        )
        child.kill('SIGKILL')
      }, this.options.startTimeoutMs)
      const onExit = (code: number | null, signal: string | null): void => {
        clearTimeout(timer)
        reject(new Error(`node ${node.address} exited (${code ?? signal}) while starting: ${output.slice(-2000)}`))
      }
      child.once('exit', onExit)
      // At --log-level warn the node prints nothing on start: poll its listen port instead.
      const poll = (): void => {
        if (!this.isUp(index) || node.process !== child) return
        void canConnect(portOf(node.listen)).then((ok) => {
          if (!ok) return void setTimeout(poll, 50)
          clearTimeout(timer)
          child.off('exit', onExit)
          resolve()
        })
      }
      poll()
    })
  }

  /** kill -9 node `index` and waits for it to be gone. */
  async kill(index: number): Promise<void> {
    const child = this.nodes[index]!.process
    if (child === undefined || !this.isUp(index)) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
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

export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1))
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => {
      socket.destroy()
      resolve(false)
    })
  })
}
