import * as grpc from '@grpc/grpc-js'

const REPLICA_SERVICE = '/tokenmanager.v1.ReplicaService/'
const ADMIN_SERVICE = '/tokenmanager.v1.AdminService/'

/** Why a call is refused, as the gRPC status it ends with. */
export interface Refusal {
  readonly code: grpc.status
  readonly details: string
}

/**
 * Who may call what on a secured node, decided per call from the TLS peer certificate, so that one port can
 * serve client-facing services to any TLS client and the cluster's services to cluster certificates only.
 *
 * grpc-js reports a peer certificate (call.getAuthContext().sslPeerCertificate) only when the handshake verified
 * it against the cluster CA; a client without a certificate and one with a certificate of another CA look alike
 * (no verified certificate: UNAUTHENTICATED). Among verified certificates:
 * - ReplicaService: the subject CN must be a node of the replication scheme, and every batch on the stream must
 *   claim that node as its sender (a node cannot speak for another): PERMISSION_DENIED otherwise;
 * - AdminService (fail-silent control, status): any certificate of the cluster CA (operators' and nodes');
 * - anything else (TokenService, health, reflection): no certificate needed; see clientCerts for requiring one.
 */
export class ClusterAuthorizer {
  constructor(private readonly nodes: ReadonlySet<string>) {}

  /** The refusal for a call to `path` from a peer whose verified certificate has CN `peer` (undefined: none). */
  decide(path: string, peer: string | undefined): Refusal | undefined {
    const replica = path.startsWith(REPLICA_SERVICE)
    if (!replica && !path.startsWith(ADMIN_SERVICE)) return undefined
    const service = replica ? 'replica' : 'admin'
    if (peer === undefined) {
      return {
        code: grpc.status.UNAUTHENTICATED,
        details: `${service} calls need a client certificate of the cluster CA`,
      }
    }
    if (replica && !this.nodes.has(peer)) {
      return {
        code: grpc.status.PERMISSION_DENIED,
        details: `certificate CN=${peer} is not a node of the replication scheme`,
      }
    }
    return undefined
  }

  /** The refusal for a replica batch claiming sender `from` on a stream authenticated as node `peer`. */
  checkSender(from: unknown, peer: string | undefined): Refusal | undefined {
    if (from === peer) return undefined
    return {
      code: grpc.status.PERMISSION_DENIED,
      details: `a batch from ${String(from)} on a connection authenticated as ${peer ?? 'nobody'}`,
    }
  }

  /** decide() and checkSender() as a gRPC server interceptor: a refused call never reaches its handler. */
  readonly interceptor: grpc.ServerInterceptor = (method, call) => {
    const path = method.path
    if (!path.startsWith(REPLICA_SERVICE) && !path.startsWith(ADMIN_SERVICE))
      return new grpc.ServerInterceptingCall(call)
    const peer = verifiedPeerOf(call)
    let refused = false
    const refuse = (refusal: Refusal): void => {
      // Later messages of a refused stream may still arrive: one status only, and nothing passes after it.
      if (!refused) call.sendStatus({ ...refusal, metadata: new grpc.Metadata() })
      refused = true
    }
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const refusal = this.decide(path, peer)
        if (refusal === undefined) next(metadata)
        else refuse(refusal)
      })
      .withOnReceiveMessage((message: { from?: unknown }, next) => {
        const refusal = path.startsWith(REPLICA_SERVICE) ? this.checkSender(message?.from, peer) : undefined
        if (refusal === undefined && !refused) next(message)
        else if (refusal !== undefined) refuse(refusal)
      })
      .build()
    return new grpc.ServerInterceptingCall(
      call,
      new grpc.ResponderBuilder().withStart((next) => next(listener)).build(),
    )
  }
}

/** The CN of the peer's certificate if the handshake verified it against the cluster CA. */
function verifiedPeerOf(call: grpc.ServerInterceptingCallInterface): string | undefined {
  const certificate = call.getAuthContext().sslPeerCertificate
  const cn = certificate?.subject?.CN as string | string[] | undefined
  return Array.isArray(cn) ? cn[0] : cn
}
