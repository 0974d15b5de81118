import { callFailureOf, isNoAnswer as noAnswer } from '../../client/call-failure.js'
import { NotFoundError } from '../../client/client-errors.js'
import type { TokenWrite } from '../../client/wire-results.js'
import type { TokenOps } from './token-ops.js'

export interface WorkloadOptions {
  readonly clients: number
  readonly tokens: readonly string[]
  /** Also create and drop tokens now and then. */
  readonly lifecycle: boolean
  /** Pause after each operation, uniform in [0, thinkMs]. */
  readonly thinkMs: number
  /** After a write that did not succeed, this client leaves the token's writes alone for this long. */
  readonly writeBackoffMs: number
}

/**
 * Concurrent sequential clients, each one operation at a time on a random token: about half reads, the rest
 * writes of unique values over small ranges (hashing stays cheap), and with `lifecycle` a few drops and creates.
 * A client whose write failed or timed out backs off from that token's writes for a while, as a real client
 * would, so a silent writer does not fill the history with outcome-unknown writes (each one widens the checker's
 * search).
 */
export class Workload {
  private stopping = false
  private loops: Promise<void>[] = []

  constructor(
    private readonly ops: TokenOps,
    private readonly options: WorkloadOptions,
  ) {}

  start(): void {
    this.loops = Array.from({ length: this.options.clients }, (_, i) => this.client(`c${i}`))
  }

  /** Lets every client finish its operation in flight (bounded by the client deadline), then returns. */
  async stop(): Promise<void> {
    this.stopping = true
    await Promise.all(this.loops)
  }

  private async client(name: string): Promise<void> {
    const writesPausedUntil = new Map<string, number>()
    let count = 0
    while (!this.stopping) {
      const token = this.options.tokens[Math.floor(Math.random() * this.options.tokens.length)]!
      const r = Math.random()
      let failed: unknown
      if (this.options.lifecycle && r < 0.02) {
        failed = errorOf(await this.ops.drop(name, token))
      } else if (this.options.lifecycle && r < 0.05) {
        failed = errorOf(await this.ops.create(name, token))
      } else if (r < 0.5 && (writesPausedUntil.get(token) ?? 0) <= Date.now()) {
        failed = errorOf(await this.ops.write(name, token, writeFields(`${name}-${count++}`)))
        if (failed !== undefined) writesPausedUntil.set(token, Date.now() + this.options.writeBackoffMs)
      } else {
        failed = errorOf(await this.ops.read(name, token))
      }
      // A dropped token comes back soon: someone has to create it for the writes to mean something.
      if (this.options.lifecycle && isNotFound(failed) && Math.random() < 0.3) await this.ops.create(name, token)
      // A node that did not answer is likely down: no point hammering it at once.
      const pauseMs = isNoAnswer(failed) ? 100 + Math.random() * 200 : Math.random() * this.options.thinkMs
      await sleep(pauseMs)
    }
  }
}

/** A unique name over a small range: [low, mid) hashed at the writer, [mid, high) at the first read. */
export function writeFields(name: string): TokenWrite {
  const low = Math.floor(Math.random() * 1000)
  const mid = low + Math.floor(Math.random() * 64)
  const high = mid + 1 + Math.floor(Math.random() * 64)
  return { name, low: BigInt(low), mid: BigInt(mid), high: BigInt(high) }
}

function errorOf(recorded: { ok: boolean; error?: unknown }): unknown {
  return recorded.ok ? undefined : recorded.error
}

/** The call ended UNAVAILABLE or DEADLINE_EXCEEDED: a write whose outcome is unknown too. */
function isNoAnswer(error: unknown): boolean {
  const failure = callFailureOf(error)
  return failure !== undefined && noAnswer(failure)
}

function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
