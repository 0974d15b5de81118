import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process'
import { connect } from 'node:net'
import { performance } from 'node:perf_hooks'

/** A started child and when it was spawned and found ready (performance.now() times, ms). */
export interface TimedChild {
  readonly child: ChildProcess
  readonly spawnedAtMs: number
  readonly readyAtMs: number
  /** The output line that matched `ready.line`, when that was the readiness test. */
  readonly readyLine?: string
}

/** Longest partial output line kept while waiting for the ready line; a longer one is dropped unmatched. */
const MAX_LINE_CHARS = 4 * 1024 * 1024

/**
 * The processes a benchmark started, so that it stops exactly those (by their own handles, never by name), also on
 * an error or SIGINT. `start` resolves once the child is ready (a line of output matches, or a port accepts
 * connections), or rejects after a bound with the tail of its output.
 */
export class ChildProcesses {
  private readonly children = new Set<ChildProcess>()

  async start(
    label: string,
    command: string,
    args: readonly string[],
    ready: { line: RegExp } | { port: number },
    timeoutMs: number,
    options: SpawnOptions = {},
  ): Promise<ChildProcess> {
    return (await this.startTimed(label, command, args, ready, timeoutMs, options)).child
  }

  /**
   * As `start`, and says when the child was spawned and when it was ready: for a line, when the chunk holding it
   * arrived; for a port, when a connection was first accepted (polled every 50 ms).
   */
  async startTimed(
    label: string,
    command: string,
    args: readonly string[],
    ready: { line: RegExp } | { port: number },
    timeoutMs: number,
    options: SpawnOptions = {},
  ): Promise<TimedChild> {
    const spawnedAtMs = performance.now()
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
    this.children.add(child)
    child.once('exit', () => this.children.delete(child))
    const tail: string[] = []
    let matchedAtMs: number | undefined
    let readyLine: string | undefined
    const lines = new LineSplitter()
    const watch = (chunk: Buffer): void => {
      const text = chunk.toString()
      tail.push(text)
      if (tail.length > 40) tail.shift()
      if (!('line' in ready) || matchedAtMs !== undefined) return
      readyLine = lines.push(text).find((line) => ready.line.test(line))
      if (readyLine !== undefined) matchedAtMs = performance.now()
    }
    child.stdout!.on('data', watch)
    child.stderr!.on('data', watch)
    let exited: string | undefined
    child.once('exit', (code, signal) => {
      exited = String(code ?? signal)
    })
    child.once('error', (error) => {
      exited = error.message
    })
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (exited !== undefined) throw new Error(`${label} exited (${exited}):\n${tail.join('')}`)
      if (!('line' in ready) && (await accepts(ready.port))) matchedAtMs = performance.now()
      if (matchedAtMs !== undefined) break
      if (Date.now() > deadline) throw new Error(`${label} was not ready within ${timeoutMs} ms:\n${tail.join('')}`)
      await sleep(50)
    }
    return { child, spawnedAtMs, readyAtMs: matchedAtMs, ...(readyLine !== undefined && { readyLine }) }
  }

  /** Sends `signal` to one child this set started and resolves when it has exited (SIGKILL after `graceMs`). */
  async stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3_000): Promise<void> {
    await stopChild(child, graceMs, signal)
  }

  /** SIGTERM to each, SIGKILL after `graceMs` for any still running; resolves when all exited. */
  async stopAll(graceMs = 3_000): Promise<void> {
    await Promise.all([...this.children].map((child) => stopChild(child, graceMs)))
  }
}

/** Whole lines out of a stream's chunks; a partial line longer than MAX_LINE_CHARS is dropped. */
class LineSplitter {
  private partial = ''

  push(text: string): string[] {
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop()!
    if (this.partial.length > MAX_LINE_CHARS) this.partial = ''
    return lines
  }
}

function stopChild(child: ChildProcess, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill(signal)
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
