import * as grpc from '@grpc/grpc-js'
import { loadTokenManagerPackage } from '../../plugins/grpc/proto.js'
import type { LifecycleReply, ReadReply, WriteReply, WriteRequest } from '../../bin/client/token-client.js'
import { unaryCall } from '../../bin/client/unary-call.js'

/**
 * Reconnect quickly once a killed node is back: grpc-js's default backoff grows to minutes, which would read as a
 * liveness failure of the cluster when it is only the client waiting.
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.enable_retries': 0,
}

/** A share of the calls that get a short deadline, drawn by the run's seeded random. */
export interface ShortDeadlines {
  readonly timeoutMs: number
  readonly share: number
  readonly random: { chance(probability: number): boolean }
}

/**
 * One TokenService channel per node, shared by every chaos client; each call has its own deadline: `timeoutMs`,
 * or for a share of the calls a short one (clients with 1 s deadlines against 1 s read leases).
 */
export class ClientPool {
  private readonly clients = new Map<string, grpc.Client>()

  constructor(
    private readonly timeoutMs: number,
    private readonly short?: ShortDeadlines,
  ) {}

  write(node: string, request: WriteRequest): Promise<WriteReply> {
    return this.call(node, 'Write', request)
  }

  read(node: string, id: string): Promise<ReadReply> {
    return this.call(node, 'Read', { id })
  }

  create(node: string, id: string): Promise<LifecycleReply> {
    return this.call(node, 'Create', { id })
  }

  drop(node: string, id: string): Promise<LifecycleReply> {
    return this.call(node, 'Drop', { id })
  }

  close(): void {
    for (const client of this.clients.values()) client.close()
    this.clients.clear()
  }

  private call<Reply>(node: string, method: string, request: object): Promise<Reply> {
    let client = this.clients.get(node)
    if (client === undefined) {
      client = new (loadTokenManagerPackage().TokenService)(node, grpc.credentials.createInsecure(), CHANNEL_OPTIONS)
      this.clients.set(node, client)
    }
    const timeoutMs = this.short?.random.chance(this.short.share) ? this.short.timeoutMs : this.timeoutMs
    return unaryCall<Reply>(client, node, method, request, timeoutMs)
  }
}
