import type * as grpc from '@grpc/grpc-js'
import { loadTokenManagerPackage } from '../../plugins/grpc/proto.js'
import type { WireVersion } from './token-client.js'
import { connect, unaryCall } from './unary-call.js'

export interface FailSilentReply {
  readonly node: string
  readonly id: string
  readonly at_ms: string
}

export interface TokenStatus {
  readonly id: string
  readonly roles: readonly string[]
  readonly silent: boolean
  readonly state: { readonly version: WireVersion | null; readonly value: { readonly kind?: string } | null } | null
  readonly pending: number
  readonly replicas: number
  readonly read_quorum: number
  readonly write_quorum: number
  readonly writer: string
  readonly readers: readonly string[]
  /** Set while the replica recovers its state after a restart without it. */
  readonly recovering?: { readonly answered: number; readonly ready: number; readonly others: number } | null
}

export interface StatusReply {
  readonly node: string
  readonly tokens: readonly TokenStatus[]
  readonly scheme_fingerprint: string
  readonly ignored_replies: string
}

/** AdminService on one node, as promises with a deadline per call. */
export class AdminClient {
  private readonly client: grpc.Client

  constructor(readonly node: string, private readonly timeoutMs: number) {
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

export async function withAdminClient<T>(node: string, timeoutMs: number, use: (client: AdminClient) => Promise<T>): Promise<T> {
  const client = new AdminClient(node, timeoutMs)
  try {
    return await use(client)
  } finally {
    client.close()
  }
}
