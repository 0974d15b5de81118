import { ContainerModule } from 'inversify'
import { sha256 } from '../../core/hash/sha256-argmin.js'
import { Transport } from '../../core/ports/transport.js'
import type { ReplicationScheme } from '../../core/scheme/replication-scheme.js'
import type { ClusterTls } from '../tls/cluster-tls.js'
import { GrpcServerHost } from './grpc-server-host.js'
import { GrpcTransport } from './grpc-transport.js'

/** A short, stable digest of the scheme: nodes compare it on every replica batch. */
export function schemeFingerprint(scheme: ReplicationScheme): string {
  const digest = sha256(new TextEncoder().encode(scheme.canonical()))
  return Buffer.from(digest).toString('hex').slice(0, 16)
}

/**
 * Binds the node's gRPC server host and the Transport that serves the replica protocol on it; `tls` secures both.
 * The server binds `listen` (default: the access point itself), e.g. behind a proxy that owns the access point.
 */
export function grpcTransportModule(address: string, scheme: ReplicationScheme, tls?: ClusterTls, listen: string = address): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(GrpcServerHost).toConstantValue(new GrpcServerHost(listen, tls?.serverCredentials()))
    bind<Transport>(Transport).toDynamicValue((ctx) => new GrpcTransport(ctx.get(GrpcServerHost),
      { fingerprint: schemeFingerprint(scheme), dialPeer: tls && ((peer) => tls.dialPeer(peer)) })).inSingletonScope()
  })
}
