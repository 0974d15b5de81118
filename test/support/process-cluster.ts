import * as grpc from '@grpc/grpc-js'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import { freeAddresses } from './free-port.js'
import { repoRoot } from './repo-root.js'

export interface SchemeItem {
  token: string
  writer: number
  readers: number[]
}

/**
 * Real tm-server processes on 127.0.0.1 free ports, from a scheme written to a temp dir. Every process is killed
 * on `stop`, also when a test fails.
 */
export class ProcessCluster {
  readonly processes = new Map<string, ChildProcess>()
  readonly logs = new Map<string, string[]>()
  private readonly clients: grpc.Client[] = []
  /**
   * Nodes start with --insecure (plaintext) unless a test about security turns this off and gives each node its
   * certificates: most tests drive the protocol, and their raw gRPC clients speak plaintext.
   */
  plaintext = true
  /**
   * The nodes' working directory (where tm-server looks for its default `certs` dir and keeps its default data
   * dir); the cluster's temp dir when unset.
   */
  cwd: string | undefined

  private constructor(
    readonly dir: string,
    readonly addresses: string[],
    readonly configPath: string,
  ) {}

  static async create(nodeCount: number, items: SchemeItem[], settingsYaml?: string): Promise<ProcessCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'tm-cluster-'))
    const addresses = await freeAddresses(nodeCount)
    const yaml = items
      .map(
        (i) =>
          `- token: ${i.token}\n  writer: ${addresses[i.writer]}\n  readers: [${i.readers.map((r) => addresses[r]).join(', ')}]\n`,
      )
      .join('')
    const configPath = join(dir, 'tokens.yaml')
    writeFileSync(configPath, yaml)
    const cluster = new ProcessCluster(dir, addresses, configPath)
    if (settingsYaml !== undefined) writeFileSync(join(dir, 'settings.yaml'), settingsYaml)
    return cluster
  }

  /** Starts node `index` and waits until it listens. */
  async start(index: number, extraArgs: string[] = []): Promise<ChildProcess> {
    const address = this.addresses[index]!
    const args = [
      join(repoRoot(), 'dist/src/bin/tm-server.js'),
      '--config',
      this.configPath,
      '--address',
      address,
      ...(this.plaintext ? ['--insecure'] : []),
      ...extraArgs,
    ]
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.cwd ?? this.dir })
    const lines: string[] = []
    this.logs.set(address, lines)
    this.processes.set(address, child)
    const collect = (chunk: Buffer): void => {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
    }
    child.stdout!.on('data', collect)
    child.stderr!.on('data', collect)
    await new Promise<void>((resolve, reject) => {
      // Generous: on a loaded 2-core machine (the chaos test runs 5 nodes beside this one) a start can take 10 s+.
      const timer = setTimeout(() => reject(new Error(`node ${address} did not start: ${lines.join('\n')}`)), 30_000)
      const check = (): void => {
        if (lines.some((l) => l.includes('node started'))) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout!.on('data', check)
      child.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`node ${address} exited ${code}: ${lines.join('\n')}`))
      })
    })
    return child
  }

  async startAll(): Promise<void> {
    await Promise.all(this.addresses.map((_, i) => this.start(i)))
  }

  /** Calls `method` of `service` on node `index` with a deadline; resolves with the reply or the ServiceError. */
  call(
    index: number,
    service: 'TokenService' | 'AdminService',
    method: string,
    request: object,
    timeoutMs = 3_000,
  ): Promise<{ reply?: any; error?: grpc.ServiceError }> {
    const ctor = loadTokenManagerPackage()[service]
    const client = new ctor(this.addresses[index]!, grpc.credentials.createInsecure())
    this.clients.push(client)
    return new Promise((resolve) => {
      ;(client as any)[method](
        request,
        { deadline: Date.now() + timeoutMs },
        (error: grpc.ServiceError | null, reply: unknown) => {
          resolve(error ? { error } : { reply })
        },
      )
    })
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close()
    const exits = [...this.processes.values()]
      .filter((p) => p.exitCode === null && p.signalCode === null)
      .map(
        (p) =>
          new Promise((resolve) => {
            p.once('exit', resolve)
            p.kill('SIGKILL')
          }),
      )
    await Promise.all(exits)
    rmSync(this.dir, { recursive: true, force: true })
  }
}
