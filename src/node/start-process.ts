import { type ChildProcess, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { performance } from 'node:perf_hooks'
import { OutputLines, type OutputStream } from './output-lines.js'

/** Ready when a line of output matches, or when `host:port` accepts a TCP connection (polled every 50 ms). */
export type ReadyTest = { readonly line: RegExp } | { readonly port: number; readonly host?: string }

/** What a caller may add to any start: where and how the child runs, and who sees its output. */
export interface LaunchOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** Every chunk of stdout and stderr, as it arrives (e.g. to append it to a log file). */
  readonly onOutput?: (chunk: Buffer) => void
  /** The child as soon as it is spawned, before it is ready: to stop it on an interrupt mid-start. */
  readonly onSpawn?: (child: ChildProcess) => void
  /** How many output lines `lines` keeps (the last ones; default 10,000). */
  readonly maxOutputLines?: number
}

export interface ProcessOptions extends LaunchOptions {
  /** Names the child in error messages. */
  readonly label: string
  readonly command: string
  readonly args: readonly string[]
  readonly ready: ReadyTest
  /** A child not ready by then is killed (SIGKILL) and the start rejects. */
  readonly timeoutMs: number
}

/** A started child, ready. Times are performance.now() ms. */
export interface StartedProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly spawnedAtMs: number
  /** For a line, when the chunk holding it arrived; for a port, when a connection was first accepted. */
  readonly readyAtMs: number
  /** The output line that matched, when a line was the readiness test. */
  readonly readyLine: string | undefined
  /** The last lines of output, stdout and stderr (bounded; `output.count` says how many were seen). */
  readonly lines: readonly string[]
  readonly output: OutputLines
  /** Not exited yet. */
  isUp(): boolean
  /** Sends `signal` (SIGKILL by default) and resolves once the child exited; SIGKILL after `graceMs` if it lingers. */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child exited. */
  stop(graceMs?: number): Promise<void>
}

const POLL_MS = 50
/** Bound on one connection attempt of the port test. */
const CONNECT_TIMEOUT_MS = 1_000
const DEFAULT_GRACE_MS = 3_000

/**
 * Spawns `command` and resolves once it is ready. A child that exits first, or is not ready within `timeoutMs`,
 * rejects the start with the tail of its output, and is gone by then (killed if need be): never a half-started one.
 */
export async function startProcess(options: ProcessOptions): Promise<StartedProcess> {
  const spawnedAtMs = performance.now()
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env !== undefined && { env: options.env }),
    ...(options.cwd !== undefined && { cwd: options.cwd }),
  })
  options.onSpawn?.(child)
  const output = new OutputLines(options.maxOutputLines)
  const watch = new ReadyWatch(child, output, options)
  let readyAtMs: number
  try {
    readyAtMs = await watch.wait(options.ready, options.timeoutMs)
  } catch (error) {
    await stopChild(child, 'SIGKILL', 0)
    throw error
  }
  const kill = (signal: NodeJS.Signals = 'SIGKILL', graceMs = DEFAULT_GRACE_MS): Promise<void> =>
    stopChild(child, signal, graceMs)
  return {
    child,
    pid: child.pid!,
    spawnedAtMs,
    readyAtMs,
    readyLine: watch.readyLine,
    lines: output.lines,
    output,
    isUp: () => isRunning(child),
    kill,
    stop: (graceMs = DEFAULT_GRACE_MS) => kill('SIGTERM', graceMs),
  }
}

/** Collects a child's output for its whole life and says when it became ready, or why it did not. */
class ReadyWatch {
  readyLine: string | undefined
  private lineAtMs: number | undefined
  private failure: string | undefined

  constructor(
    child: ChildProcess,
    private readonly output: OutputLines,
    private readonly options: ProcessOptions,
  ) {
    this.listen(child, 'stdout')
    this.listen(child, 'stderr')
    // 'close' comes after the output is drained, so the error quotes the child's last words.
    child.once('close', (code, signal) => {
      this.failure ??= `exited ${code ?? signal}`
    })
    child.once('error', (error) => {
      this.failure ??= error.message
    })
  }

  async wait(ready: ReadyTest, timeoutMs: number): Promise<number> {
    const deadlineMs = performance.now() + timeoutMs
    for (;;) {
      if (this.failure !== undefined) throw this.error(`${this.failure} before it was ready`)
      if (this.lineAtMs !== undefined) return this.lineAtMs
      if ('port' in ready && (await accepts(ready.port, ready.host ?? '127.0.0.1'))) return performance.now()
      if (performance.now() > deadlineMs) throw this.error(`was not ready within ${timeoutMs} ms`)
      await sleep(POLL_MS)
    }
  }

  private listen(child: ChildProcess, stream: OutputStream): void {
    const source = child[stream]!
    source.on('data', (chunk: Buffer) => {
      this.options.onOutput?.(chunk)
      this.see(this.output.push(stream, chunk.toString()))
    })
    source.once('end', () => this.see(this.output.end(stream)))
  }

  private see(lines: string[]): void {
    const ready = this.options.ready
    if (!('line' in ready) || this.lineAtMs !== undefined) return
    this.readyLine = lines.find((line) => ready.line.test(line))
    if (this.readyLine !== undefined) this.lineAtMs = performance.now()
  }

  private error(what: string): Error {
    return new Error(`${this.options.label} ${what}:\n${this.output.tail()}`)
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

/**
 * Sends `signal` to `child` (SIGKILL after `graceMs` if it is still running) and resolves once it exited. A child
 * that never spawned (no pid) has nothing to stop.
 */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!isRunning(child) || child.pid === undefined) return Promise.resolve()
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill(signal)
  })
}

function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host, timeout: CONNECT_TIMEOUT_MS })
    const settle = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => settle(true))
    socket.once('timeout', () => settle(false))
    socket.once('error', () => settle(false))
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
