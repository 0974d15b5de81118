import type { ReplicationScheme, TokenScheme } from '../../core/scheme/replication-scheme.js'
import { loadTokenManagerPackage } from '../../plugins/grpc/proto.js'
import type { BenchTarget, OpKind } from './bench-target.js'
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

  constructor(scheme: ReplicationScheme, private readonly options: TokenTargetOptions) {
    const entries = options.tokens.map((id) => {
      const entry = scheme.get(id)
      if (entry === undefined) throw new Error(`token ${id} is not in the replication scheme`)
      return entry
    })
    this.clients = clientsFor(entries.flatMap((e) => [e.writer, ...e.readers]), loadTokenManagerPackage().TokenService, options.dialOf)
    this.routes = entries.map((e: TokenScheme) => ({ id: e.token, writer: this.clients.get(e.writer)!,
      readers: e.readers.map((r) => this.clients.get(r)!) }))
    this.high = String(options.domainSize)
    this.mid = String(Math.floor(options.domainSize / 2))
  }

  get keyCount(): number {
    return this.routes.length
  }

  async prepare(timeoutMs: number): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.ready(timeoutMs)))
    await Promise.all(this.routes.map((_, key) => this.run('write', key)))
    // The first read after a write computes the final and imposes it; later reads take one round trip.
    await Promise.all(this.routes.flatMap((route) => route.readers.map((reader) => this.read(route, reader))))
  }

  run(kind: OpKind, key: number): Promise<void> {
    const route = this.routes[key]!
    if (kind === 'read') return this.read(route, route.readers[this.turn++ % route.readers.length]!)
    const request = { id: route.id, name: `bench-${this.writes++ % 1000}`, low: '0', mid: this.mid, high: this.high }
    return route.writer.call('Write', request, this.options.timeoutMs).then(ignore)
  }

  close(): void {
    for (const client of this.clients.values()) client.close()
  }

  private read(route: TokenRoute, reader: UnaryClient): Promise<void> {
    return reader.call('Read', { id: route.id }, this.options.timeoutMs).then(ignore)
  }
}

function ignore(): void {}
