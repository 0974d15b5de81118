import type { ChildProcess } from 'node:child_process'
import { type ServerProcess, type ServerProcessOptions, startServerProcess } from '../../node/server-process.js'
import { type ProcessOptions, type StartedProcess, startProcess, stopChild } from '../../node/start-process.js'

/**
 * The processes a benchmark started, so that it stops exactly those (by their own handles, never by name), also on
 * an error or SIGINT, and also while they are still starting. The spawning and the readiness test are the shared
 * launcher's (src/node/start-process.ts); this set only remembers the children.
 */
export class ChildProcesses {
  private readonly children = new Set<ChildProcess>()

  /** Any command (etcd, the echo server): resolves once it is ready, see startProcess. */
  start(options: ProcessOptions): Promise<StartedProcess> {
    return startProcess({ ...options, onSpawn: (child) => this.track(child, options) })
  }

  /** One of our tm-server nodes, see startServerProcess. */
  startServer(options: ServerProcessOptions): Promise<ServerProcess> {
    return startServerProcess({ ...options, onSpawn: (child) => this.track(child, options) })
  }

  /** SIGTERM to each, SIGKILL after `graceMs` for any still running; resolves when all exited. */
  async stopAll(graceMs = 3_000): Promise<void> {
    await Promise.all([...this.children].map((child) => stopChild(child, 'SIGTERM', graceMs)))
  }

  private track(child: ChildProcess, options: { readonly onSpawn?: (child: ChildProcess) => void }): void {
    this.children.add(child)
    child.once('exit', () => this.children.delete(child))
    child.once('error', () => this.children.delete(child))
    options.onSpawn?.(child)
  }
}
