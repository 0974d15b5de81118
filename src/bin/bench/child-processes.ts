import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process'
import { connect } from 'node:net'

/**
 * The processes a benchmark started, so that it stops exactly those (by their own handles, never by name), also on
 * an error or SIGINT. `start` resolves once the child is ready (a line of output matches, or a port accepts
 * connections), or rejects after a bound with the tail of its output.
 */
export class ChildProcesses {
  private readonly children = new Set<ChildProcess>()

  async start(label: string, command: string, args: readonly string[], ready: { line: RegExp } | { port: number },
    timeoutMs: number, options: SpawnOptions = {}): Promise<ChildProcess> {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
    this.children.add(child)
    child.once('exit', () => this.children.delete(child))
    const tail: string[] = []
    let matched = false
    const watch = (chunk: Buffer): void => {
      const text = chunk.toString()
      tail.push(text)
      if (tail.length > 40) tail.shift()
      if ('line' in ready && ready.line.test(text)) matched = true
    }
    child.stdout!.on('data', watch)
    child.stderr!.on('data', watch)
    let exited: string | undefined
    child.once('exit', (code, signal) => { exited = String(code ?? signal) })
    child.once('error', (error) => { exited = error.message })
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (exited !== undefined) throw new Error(`${label} exited (${exited}):\n${tail.join('')}`)
      if ('line' in ready ? matched : await accepts(ready.port)) break
      if (Date.now() > deadline) throw new Error(`${label} was not ready within ${timeoutMs} ms:\n${tail.join('')}`)
      await sleep(50)
    }
    return child
  }

  /** SIGTERM to each, SIGKILL after `graceMs` for any still running; resolves when all exited. */
  async stopAll(graceMs = 3_000): Promise<void> {
    await Promise.all([...this.children].map((child) => stopChild(child, graceMs)))
  }
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => { clearTimeout(kill); resolve() })
    child.kill('SIGTERM')
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
