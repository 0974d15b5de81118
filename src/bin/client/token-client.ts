import type * as grpc from '@grpc/grpc-js'
import { loadTokenManagerPackage } from '../../plugins/grpc/proto.js'
import { connect, unaryCall } from './unary-call.js'

/** Replies as @grpc/proto-loader decodes them: snake_case, uint64 as decimal strings, unset messages null. */
export type {
  WireArgmin,
  WireVersion,
  WireWriteReply as WriteReply,
  WireLifecycleReply as LifecycleReply,
  WireReadReply as ReadReply,
} from '../../client/wire-results.js'
import type {
  WireLifecycleReply as LifecycleReply,
  WireReadReply as ReadReply,
  WireWriteReply as WriteReply,
} from '../../client/wire-results.js'

export interface WriteRequest {
  readonly id: string
  readonly name: string
  readonly low: string
  readonly mid: string
  readonly high: string
}

/** TokenService on one node, as promises; each call carries its own deadline of `timeoutMs`. */
export class TokenClient {
  private readonly client: grpc.Client

  constructor(
    readonly node: string,
    private readonly timeoutMs: number,
  ) {
    this.client = connect(loadTokenManagerPackage().TokenService, node)
  }

  create(id: string): Promise<LifecycleReply> {
    return this.call('Create', { id })
  }

  drop(id: string): Promise<LifecycleReply> {
    return this.call('Drop', { id })
  }

  write(request: WriteRequest): Promise<WriteReply> {
    return this.call('Write', request)
  }

  read(id: string): Promise<ReadReply> {
    return this.call('Read', { id })
  }

  close(): void {
    this.client.close()
  }

  private call<Reply>(method: string, request: object): Promise<Reply> {
    return unaryCall<Reply>(this.client, this.node, method, request, this.timeoutMs)
  }
}

/** Runs `use` with a client for `node` and closes it afterwards, so no channel keeps the process alive. */
export async function withTokenClient<T>(
  node: string,
  timeoutMs: number,
  use: (client: TokenClient) => Promise<T>,
): Promise<T> {
  const client = new TokenClient(node, timeoutMs)
  try {
    return await use(client)
  } finally {
    client.close()
  }
}
