import type * as grpc from '@grpc/grpc-js'
import { loadTokenManagerPackage } from '../../plugins/grpc/proto.js'
import { connect, unaryCall } from './unary-call.js'

export interface FailSilentReply {
  readonly node: string
  readonly id: string
  readonly at_ms: string
}

export type { WireTokenStatus as TokenStatus, WireStatusReply as StatusReply } from '../../client/admin-results.js'
import type { WireStatusReply as StatusReply } from '../../client/admin-results.js'

/** AdminService on one node, as promises with a deadline per call. */
export class AdminClient {
  private readonly client: grpc.Client

  constructor(
    readonly node: string,
    private readonly timeoutMs: number,
  ) {
    this.client = connect(loadTokenManagerPackage().AdminService, node)
  }

  failSilent(id: string, afterMs: number): Promise<FailSilentReply> {
    return unaryCall(this.client, this.node, 'FailSilent', { id, after_ms: String(afterMs) }, this.timeoutMs)
  }

  status(): Promise<StatusReply> {
    return unaryCall(this.client, this.node, 'Status', {}, this.timeoutMs)
  }

  close(): void {
    this.client.close()
  }
}

export async function withAdminClient<T>(
  node: string,
  timeoutMs: number,
  use: (client: AdminClient) => Promise<T>,
): Promise<T> {
  const client = new AdminClient(node, timeoutMs)
  try {
    return await use(client)
  } finally {
    client.close()
  }
}
