import * as grpc from '@grpc/grpc-js'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ServerProcess, startServerProcess } from '../../src/node/server-process.js'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import { freeAddresses } from './free-port.js'

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
  /** Each node's output lines (the launcher keeps the last 10,000: far more than any test here logs). */
  readonly logs = new Map<string, readonly string[]>()
  /** Each node's last start: its process, output and how many lines it wrote in all. */
  readonly nodes = new Map<string, ServerProcess>()
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

  /** Starts node `index` and waits until it logs that it started (a node that does not is killed). */
  async start(index: number, extraArgs: string[] = []): Promise<ChildProcess> {
    const address = this.addresses[index]!
    const node = await startServerProcess({
      configPath: this.configPath,
      address,
      insecure: this.plaintext,
      args: extraArgs,
      cwd: this.cwd ?? this.dir,
      readyLine: /node started/,
      // Generous: on a loaded 2-core machine (the chaos test runs 5 nodes beside this one) a start can take 10 s+.
      startTimeoutMs: 30_000,
    })
    this.nodes.set(address, node)
    this.processes.set(address, node.child)
    this.logs.set(address, node.lines)
    return node.child
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
    // Generous: these tests check answers, not latency, and a first call on a loaded 2-core machine (the whole
    // suite beside it) has taken over 3 s. Tests that expect a deadline pass their own.
    timeoutMs = 10_000,
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
    await Promise.all([...this.nodes.values()].map((node) => node.kill('SIGKILL')))
    rmSync(this.dir, { recursive: true, force: true })
  }
}
