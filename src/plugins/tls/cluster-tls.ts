import * as grpc from '@grpc/grpc-js'
import { InvalidArgumentError } from '../../core/errors.js'
import type { NodeId } from '../../core/protocol/messages.js'
import type { SecuritySettings } from '../../node/node-settings.js'
import { ClusterAuthorizer } from './cluster-authorizer.js'
import { type SecureDial, secureDial } from './secure-dial.js'
import { loadTlsFiles, type TlsFiles } from './tls-files.js'

/**
 * A node's TLS: the credentials its one port serves with, and those its peer links dial with. Nodes are named by
 * the subject CN of their certificates, which must be their access points.
 */
export class ClusterTls {
  readonly authorizer: ClusterAuthorizer

  private constructor(
    readonly files: TlsFiles,
    private readonly clientCerts: SecuritySettings['clientCerts'],
    nodes: readonly NodeId[],
  ) {
    this.authorizer = new ClusterAuthorizer(new Set(nodes))
  }

  /** Reads and checks the files; refuses a certificate that names another node than `self`. */
  static load(security: SecuritySettings, self: NodeId, nodes: readonly NodeId[]): ClusterTls {
    const files = loadTlsFiles(security)
    if (files.commonName !== self) {
      throw new InvalidArgumentError(
        `certificate ${security.cert} is for CN=${files.commonName}, not for this node ${self}: ` +
          'peers would refuse it; give each node the certificate whose CN is its access point',
      )
    }
    return new ClusterTls(files, security.clientCerts, nodes)
  }

  /**
   * TLS on the port, asking every client for a certificate; with clientCerts optional the handshake also admits
   * clients without one (or with an unverified one), and the authorizer keeps them out of replica and admin calls.
   */
  serverCredentials(): grpc.ServerCredentials {
    return grpc.experimental.createServerCredentialsWithInterceptors(
      new AskingServerCredentials(this.files, this.clientCerts === 'required'),
      [this.authorizer.interceptor],
    )
  }

  /** Mutual TLS to `peer`: its certificate must be of the cluster CA, match its host and name it (CN). */
  dialPeer(peer: NodeId): SecureDial {
    return secureDial(peer, { ca: this.files.ca, cert: this.files.cert, key: this.files.key, expectedCn: peer })
  }
}

/**
 * Server TLS that requests a client certificate and, unless `require`, lets the call through without a verified
 * one (Node's requestCert with rejectUnauthorized false): createSsl can only require a certificate or not ask
 * for one. Its material is fixed at construction, so the server has it from the first connection on.
 */
class AskingServerCredentials extends grpc.ServerCredentials {
  constructor(files: TlsFiles, require: boolean) {
    super({ requestCert: true, rejectUnauthorized: require }, { ca: files.ca, cert: files.cert, key: files.key })
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this
  }
}
