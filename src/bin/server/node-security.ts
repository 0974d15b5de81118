import { UsageError } from 'clipanion'
import { resolve } from 'node:path'
import type { SecuritySettings } from '../../node/node-settings.js'
import { CertsDir, DEFAULT_CERTS_DIR } from '../../plugins/tls/certs-dir.js'
import { securityWithFlags, type TlsFlags } from './tls-flags.js'

/** tm-server's security flags as given (undefined: not given). */
export interface ServerSecurityFlags {
  readonly tls: TlsFlags
  readonly certsDir: string | undefined
  readonly insecure: boolean
}

/** The settings file's say on security: its security section and its `insecure` setting. */
export interface FileSecurity {
  readonly security?: SecuritySettings | undefined
  readonly insecure?: boolean | undefined
}

/** A node's security: the TLS files it serves with, or plaintext because the user said so. */
export type NodeSecurity = { readonly kind: 'tls'; readonly settings: SecuritySettings } | { readonly kind: 'insecure' }

/**
 * No certificates for a node that was not told to run without them. tm-server exits with its own code, so
 * that scripts can tell "make certificates first" from a broken configuration.
 */
export class MissingCertificatesError extends Error {
  override readonly name = 'MissingCertificatesError'
}

/**
 * Decides how a node secures its port. Secure is the default: plaintext only when asked for (--insecure, or
 * `insecure: true` in the settings file). Otherwise the files come from --tls-* flags or the settings file's
 * security section when given, else from the certificates directory (--certs-dir, default `certs`), where
 * `tm-certs create` writes them. Flags override the file, as for every other setting.
 */
export function chooseNodeSecurity(
  address: string,
  configPath: string,
  flags: ServerSecurityFlags,
  file: FileSecurity,
): NodeSecurity {
  const tlsFlagGiven = Object.values(flags.tls).some((path) => path !== undefined) || flags.certsDir !== undefined
  if (flags.insecure) {
    if (tlsFlagGiven) throw new UsageError('--insecure contradicts --certs-dir and --tls-*: give one or the other')
    return { kind: 'insecure' }
  }
  if (flags.certsDir === undefined) {
    const explicit = securityWithFlags(flags.tls, file.security)
    if (explicit !== undefined) return { kind: 'tls', settings: explicit }
    if (file.insecure === true) return { kind: 'insecure' }
  }
  return { kind: 'tls', settings: fromCertsDir(address, configPath, flags.certsDir ?? DEFAULT_CERTS_DIR) }
}

/** The node's files in a certificates directory, or an error that says which are missing and how to make them. */
function fromCertsDir(address: string, configPath: string, dir: string): SecuritySettings {
  const certs = new CertsDir(resolve(dir))
  const own = certs.node(address)
  const missing = certs.missing(certs.ca, own.cert, own.key)
  if (missing.length > 0) {
    const dirFlag = dir === DEFAULT_CERTS_DIR ? '' : ` --certs-dir ${dir}`
    throw new MissingCertificatesError(
      `no certificates for ${address} (missing ${missing.join(', ')}). ` +
        `Make the cluster's certificates with \`tm-certs create --config ${configPath}${dirFlag}\`, ` +
        'or start with --insecure to serve replica and admin calls to anyone, unauthenticated',
    )
  }
  return { ca: certs.ca, cert: own.cert, key: own.key, clientCerts: 'optional' }
}
