import { existsSync } from 'node:fs'
import type { ClientSecurity } from '../../client/node-channels.js'
import { CertsDir, DEFAULT_CERTS_DIR } from '../../plugins/tls/certs-dir.js'
import { useClientTls } from '../client/client-tls.js'

export interface BenchTlsFlags {
  readonly ca?: string | undefined
  readonly certsDir?: string | undefined
  readonly insecure?: boolean | undefined
}

/**
 * How tm-bench's client reaches the nodes, by tm-client's rules: --tls-ca when given, else the certificates
 * directory (its CA, and its admin certificate when there), plaintext only with --insecure. tm-client's checks
 * run first, so bad combinations and unreadable files fail as they do there; the library then reads the PEM files.
 */
export function benchSecurity(flags: BenchTlsFlags): ClientSecurity {
  useClientTls(flags)
  if (flags.insecure === true) return { insecure: true }
  if (flags.ca !== undefined) return { tls: { ca: flags.ca } }
  const certs = new CertsDir(flags.certsDir ?? DEFAULT_CERTS_DIR)
  const admin = certs.client()
  if (!existsSync(admin.cert) || !existsSync(admin.key)) return { tls: { ca: certs.ca } }
  return { tls: { ca: certs.ca, cert: admin.cert, key: admin.key } }
}
