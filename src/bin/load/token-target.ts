import { UnavailableError } from '../../core/errors.js'
import type { ReplicationScheme, TokenScheme } from '../../core/scheme/replication-scheme.js'
import { loadTokenManagerPackage } from '../../plugins/grpc/proto.js'
import type { BenchTarget, OpKind } from './bench-target.js'
import { sweep } from './sweep.js'
import { clientsFor, type DialOf, type UnaryClient } from './unary-client.js'

export interface TokenTargetOptions {
  /** The tokens to use (ids of the scheme). */
  readonly tokens: readonly string[]
  /** Writes set [0, domainSize) with mid in the middle: small, so hashing is negligible. */
  readonly domainSize: number
  readonly timeoutMs: number
  /** How to dial each node; plaintext when unset. */
  readonly dialOf?: DialOf | undefined
}

interface TokenRoute {
  readonly id: string
  readonly writer: UnaryClient
  readonly readers: readonly UnaryClient[]
}

/**
 * Our cluster through TokenService, as tm-client uses it: reads go to a reader of the token (a different one each
 * time, round robin), writes to its writer. One channel per node of the scheme.
 */
export class TokenTarget implements BenchTarget {
  readonly name = 'token-manager'
  private readonly clients: Map<string, UnaryClient>
  private readonly routes: TokenRoute[]
  private readonly mid: string
  private readonly high: string
  private turn = 0
  private writes = 0

  constructor(
    scheme: ReplicationScheme,
    private readonly options: TokenTargetOptions,
  ) {
    const entries = options.tokens.map((id) => {
      const entry = scheme.get(id)
      if (entry === undefined) throw new Error(`token ${id} is not in the replication scheme`)
      return entry
    })
    this.clients = clientsFor(
      entries.flatMap((e) => [e.writer, ...e.readers]),
      loadTokenManagerPackage().TokenService,
      options.dialOf,
    )
    this.routes = entries.map((e: TokenScheme) => ({
      id: e.token,
      writer: this.clients.get(e.writer)!,
      readers: e.readers.map((r) => this.clients.get(r)!),
    }))
    this.high = String(options.domainSize)
    this.mid = String(Math.floor(options.domainSize / 2))
  }

  get keyCount(): number {
    return this.routes.length
  }

  /**
   * Writes every token once, then reads it once at each of its readers (the first read after a write computes the
   * final and imposes it; later reads take one round trip). A closed loop of PREPARE_CONCURRENCY calls, each with
   * `timeoutMs`; a call that fails is tried once more, then the error is thrown.
   */
  async prepare(timeoutMs: number): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.ready(timeoutMs)))
    const writes = this.routes.map((route) => () => this.write(route, timeoutMs))
    const reads = this.routes.flatMap((route) =>
      route.readers.map((reader) => () => this.read(route, reader, timeoutMs)),
    )
    for (const calls of [writes, reads]) {
      const result = await sweep(calls.length, PREPARE_CONCURRENCY, (i) => calls[i]!().catch(() => calls[i]!()))
      if (result.firstError !== undefined)
        throw new UnavailableError(`prepare: ${result.errors} calls failed twice, first: ${result.firstError}`)
    }
  }

  run(kind: OpKind, key: number): Promise<void> {
    const route = this.routes[key]!
    if (kind === 'read') return this.read(route, route.readers[this.turn++ % route.readers.length]!)
    return this.write(route)
  }

  close(): void {
    for (const client of this.clients.values()) client.close()
  }

  private read(route: TokenRoute, reader: UnaryClient, timeoutMs = this.options.timeoutMs): Promise<void> {
    return reader.call('Read', { id: route.id }, timeoutMs).then(ignore)
  }

  private write(route: TokenRoute, timeoutMs = this.options.timeoutMs): Promise<void> {
    const request = { id: route.id, name: `bench-${this.writes++ % 1000}`, low: '0', mid: this.mid, high: this.high }
    return route.writer.call('Write', request, timeoutMs).then(ignore)
  }
}

/** Calls at once while preparing: enough to keep every node busy, few enough for a slow durable cluster. */
const PREPARE_CONCURRENCY = 64

function ignore(): void {}
