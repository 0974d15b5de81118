import { createHash } from 'node:crypto'
import { ContainerModule } from 'inversify'
import { Transport } from '../../core/ports/transport.js'
import type { ReplicationScheme } from '../../core/scheme/replication-scheme.js'
import type { ClusterTls } from '../tls/cluster-tls.js'
import { GrpcServerHost } from './grpc-server-host.js'
import { GrpcTransport } from './grpc-transport.js'

/** Fingerprints already computed: a node asks for its scheme's several times while it starts. */
const fingerprints = new WeakMap<ReplicationScheme, string>()

/** SHA-256 (hex) of the scheme's canonical text in UTF-8, fed through a 64 KiB buffer rather than one big string. */
function hashCanonical(scheme: ReplicationScheme): string {
  const hash = createHash('sha256')
  const buffer = Buffer.allocUnsafe(1 << 16)
  let used = 0
  scheme.emitCanonical((piece) => {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8; a piece longer than the buffer goes on its own.
    if (used + piece.length * 3 > buffer.length) {
      hash.update(buffer.subarray(0, used))
      used = 0
    }
    if (piece.length * 3 > buffer.length) hash.update(piece, 'utf8')
    else used += buffer.write(piece, used, 'utf8')
  })
  hash.update(buffer.subarray(0, used))
  return hash.digest('hex')
}

/**
 * A short, stable digest of the scheme (the first 16 hex digits of SHA-256 of its canonical text): nodes compare
 * it on every replica batch. Computed once per scheme, with node:crypto: at 10^5 tokens the text is 6 MB.
 */
export function schemeFingerprint(scheme: ReplicationScheme): string {
  const known = fingerprints.get(scheme)
  if (known !== undefined) return known
  const fingerprint = hashCanonical(scheme).slice(0, 16)
  fingerprints.set(scheme, fingerprint)
  return fingerprint
}

/**
 * Binds the node's gRPC server host and the Transport that serves the replica protocol on it; `tls` secures both.
 * The server binds `listen` (default: the access point itself), e.g. behind a proxy that owns the access point.
 */
export function grpcTransportModule(
  address: string,
  scheme: ReplicationScheme,
  tls?: ClusterTls,
  listen: string = address,
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(GrpcServerHost).toConstantValue(new GrpcServerHost(listen, tls?.serverCredentials()))
    bind<Transport>(Transport)
      .toDynamicValue(
        (ctx) =>
          new GrpcTransport(ctx.get(GrpcServerHost), {
            fingerprint: schemeFingerprint(scheme),
            dialPeer: tls && ((peer) => tls.dialPeer(peer)),
          }),
      )
      .inSingletonScope()
  })
}
