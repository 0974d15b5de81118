import { UnavailableError } from '../../core/errors.js'
import type { ReplicationScheme, TokenScheme } from '../../core/scheme/replication-scheme.js'
import { callFailureOf, cleanDetails } from '../../client/call-failure.js'
import type { ClientSecurity } from '../../client/node-channels.js'
import { TokenManagerClient } from '../../client/token-manager-client.js'
import type { BenchTarget, OpKind } from './bench-target.js'
import { sweep } from './sweep.js'

export interface TokenTargetOptions {
  /** The tokens to use (ids of the scheme). */
  readonly tokens: readonly string[]
  /** Writes set [0, domainSize) with mid in the middle: small, so hashing is negligible. */
  readonly domainSize: number
  readonly timeoutMs: number
  /** How to reach the nodes; plaintext when unset (the launchers start --insecure nodes). */
  readonly security?: ClientSecurity | undefined
}

/**
 * Our cluster through the client library, as its users call it: reads go to a reader of the token (a different one
 * each time, round robin, named so the library asks exactly it), writes to its writer. One TokenManagerClient,
 * with one channel per node it calls and no history hook, so the library's bookkeeping costs nothing extra.
 */
export class TokenTarget implements BenchTarget {
  readonly name = 'token-manager'
  private readonly client: TokenManagerClient
  private readonly routes: TokenScheme[]
  private readonly mid: bigint
  private readonly high: bigint
  private turn = 0
  private writes = 0

  constructor(
    scheme: ReplicationScheme,
    private readonly options: TokenTargetOptions,
  ) {
    this.routes = options.tokens.map((id) => {
      const entry = scheme.get(id)
      if (entry === undefined) throw new Error(`token ${id} is not in the replication scheme`)
      return entry
    })
    this.client = new TokenManagerClient({ ...(options.security ?? { insecure: true }), scheme })
    this.high = BigInt(options.domainSize)
    this.mid = BigInt(Math.floor(options.domainSize / 2))
  }

  get keyCount(): number {
    return this.routes.length
  }

  /**
   * Writes every token once, then reads it once at each of its readers (the first read after a write computes the
   * final and imposes it; later reads take one round trip). A closed loop of PREPARE_CONCURRENCY calls, each with
   * `timeoutMs`; a call that fails is tried once more, then the error is thrown, naming the node that failed.
   */
  async prepare(timeoutMs: number): Promise<void> {
    const writes = this.routes.map((route) => () => this.write(route, timeoutMs))
    const reads = this.routes.flatMap((route) =>
      route.readers.map((reader) => () => this.read(route, reader, timeoutMs)),
    )
    for (const calls of [writes, reads]) {
      let first: unknown
      const result = await sweep(calls.length, PREPARE_CONCURRENCY, (i) =>
        calls[i]!()
          .catch(() => calls[i]!())
          .catch((error: unknown) => {
            first ??= error
            throw error
          }),
      )
      if (result.firstError !== undefined)
        throw new UnavailableError(`prepare: ${result.errors} calls failed twice, first: ${describe(first)}`)
    }
  }

  run(kind: OpKind, key: number): Promise<void> {
    const route = this.routes[key]!
    if (kind === 'read') return this.read(route, route.readers[this.turn++ % route.readers.length]!)
    return this.write(route)
  }

  close(): void {
    this.client.close()
  }

  private read(route: TokenScheme, reader: string, timeoutMs = this.options.timeoutMs): Promise<void> {
    return this.client.read(route.token, { node: reader, timeoutMs }).then(ignore)
  }

  private write(route: TokenScheme, timeoutMs = this.options.timeoutMs): Promise<void> {
    const value = { name: `bench-${this.writes++ % 1000}`, low: 0n, mid: this.mid, high: this.high }
    return this.client.write(route.token, value, { timeoutMs }).then(ignore)
  }
}

/** Calls at once while preparing: enough to keep every node busy, few enough for a slow durable cluster. */
const PREPARE_CONCURRENCY = 64

/** Which node failed and how, in one line: `node: STATUS: details`, as the benchmark's own client said it. */
function describe(error: unknown): string {
  const failure = callFailureOf(error)
  if (failure === undefined) return error instanceof Error ? error.message : String(error)
  return `${failure.node}: ${failure.status}: ${cleanDetails(failure.details)}`
}

function ignore(): void {}
