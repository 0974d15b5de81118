import { Command, Option } from 'clipanion'
import * as t from 'typanion'
import { relative } from 'node:path'
import { TokenManagerError } from '../../core/errors.js'
import { DEFAULT_CERTS_DIR, DEFAULT_CLIENT_USER } from '../../plugins/tls/certs-dir.js'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import { createCerts } from './create-certs.js'

/** `tm-certs create`: a cluster's CA, node and operator certificates from its replication scheme, in one step. */
export class CreateCertsCommand extends Command {
  static override paths = [['create']]

  static override usage = Command.Usage({
    description: 'Make the certificates of a cluster from its replication scheme',
    details: `
      Writes into --certs-dir a cluster CA (ca.pem, ca-key.pem), one certificate per node of the scheme
      (node-<address>.pem and -key.pem, CN = the node's access point, SAN = its host, localhost and 127.0.0.1),
      and an operator's client certificate (admin.pem, admin-key.pem). tm-server and tm-client find them there
      without further flags. Private keys are written readable by their owner only (0600).

      An existing CA is kept and signs what is missing, so a rerun after adding a node to the scheme makes only
      that node's certificate. --overwrite makes a new CA and every certificate anew.

      The CA key signs new cluster members: in production move it off the nodes (--ca-key names where it is).
    `,
    examples: [
      ['Certificates for the demo cluster', 'tm-certs create --config config/tokens.yaml'],
      [
        'Another directory, and a second operator',
        'tm-certs create --config tokens.yaml --certs-dir /etc/tm/certs --client admin --client alice',
      ],
    ],
  })

  config = Option.String('--config', {
    required: true,
    description: 'Replication scheme (YAML): one certificate per node in it',
  })
  certsDir = Option.String('--certs-dir', DEFAULT_CERTS_DIR, {
    description: `Where to write the certificates (default ${DEFAULT_CERTS_DIR})`,
  })
  caKey = Option.String('--ca-key', { description: 'The CA private key file (default <certs-dir>/ca-key.pem)' })
  clients = Option.Array('--client', {
    description: `Operator client certificates to make, by user name (default ${DEFAULT_CLIENT_USER})`,
  })
  overwrite = Option.Boolean('--overwrite', false, {
    description: 'Replace an existing CA, and with it every certificate',
  })
  caName = Option.String('--ca-name', 'atomic-token-manager cluster CA', {
    validator: t.isString(),
    description: 'Subject CN of a new CA',
  })

  async execute(): Promise<number> {
    try {
      const scheme = loadSchemeFile(this.config)
      const report = await createCerts({
        nodes: scheme.nodes(),
        certsDir: this.certsDir,
        caKeyPath: this.caKey,
        clientUsers: this.clients ?? [DEFAULT_CLIENT_USER],
        overwrite: this.overwrite,
        caName: this.caName,
      })
      const names = (paths: string[]): string => paths.map((path) => relative(this.certsDir, path)).join(' ') || 'none'
      this.context.stdout.write(
        `tm-certs: ${report.ca === 'made' ? 'made a new CA' : 'kept the existing CA'} in ${this.certsDir}; ` +
          `made: ${names(report.made)}; kept: ${names(report.kept)}\n`,
      )
      return 0
    } catch (error) {
      // Configuration problems and files that cannot be written (EACCES, ENOSPC, ...) are one line, not a stack.
      const systemError = error instanceof Error && 'code' in error && 'syscall' in error
      if (!(error instanceof TokenManagerError) && !systemError) throw error
      this.context.stderr.write(`tm-certs: ${(error as Error).message}\n`)
      return 2
    }
  }
}
