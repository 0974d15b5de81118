import { Command, Option } from 'clipanion'
import type { ClientSecurity } from '../../client/node-channels.js'
import { clientSecurity } from './client-tls.js'

/**
 * The flags of every binary that calls the cluster as a client (tm-client's commands, tm-web): where the
 * certificates are, or plaintext. `flagSecurity()` turns them into the library client's ClientSecurity.
 */
export abstract class SecureClientCommand extends Command {
  certsDir = Option.String('--certs-dir', {
    description: 'Certificates made by tm-certs: ca.pem, and admin.pem for fail-silent and status (default certs)',
  })
  insecure = Option.Boolean('--insecure', false, {
    description: 'Plaintext, for a cluster whose nodes run with --insecure',
  })
  tlsCa = Option.String('--tls-ca', {
    description: "Dial with TLS, trusting this CA (PEM) for the nodes' certificates",
  })
  tlsCert = Option.String('--tls-cert', {
    description: 'Client certificate (PEM) of the cluster CA: needed for fail-silent and status',
  })
  tlsKey = Option.String('--tls-key', { description: 'Private key (PEM) of --tls-cert' })

  /** ClientSecurity from the flags; UsageError for contradicting flags or unusable files. */
  protected flagSecurity(): ClientSecurity {
    return clientSecurity({
      ca: this.tlsCa,
      cert: this.tlsCert,
      key: this.tlsKey,
      certsDir: this.certsDir,
      insecure: this.insecure,
    })
  }
}
