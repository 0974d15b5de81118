import { UsageError } from 'clipanion'
import { InvalidArgumentError } from '../../core/errors.js'
import { existsSync } from 'node:fs'
import type { Failure } from './failure.js'
import { CertsDir, DEFAULT_CERTS_DIR } from '../../plugins/tls/certs-dir.js'
import type { ClientSecurity, ClientTls } from '../../client/node-channels.js'
import { type PemKind, readPem } from '../../plugins/tls/tls-files.js'

export interface ClientTlsFlags {
  readonly ca?: string | undefined
  readonly cert?: string | undefined
  readonly key?: string | undefined
  /** Certificates made by tm-certs (ca.pem, admin.pem); the default dir when unset. */
  readonly certsDir?: string | undefined
  /** Plaintext, for a cluster started with --insecure. */
  readonly insecure?: boolean | undefined
}

/**
 * How this tm-client run reaches the nodes, from the flags. Like the nodes, secure by default: --tls-* files when
 * given, else the certificates directory (the CA, and the admin certificate when there); plaintext only with
 * --insecure. Bad combinations, bad files and no certificates at all: UsageError, saying what to do.
 */
export function clientSecurity(flags: ClientTlsFlags): ClientSecurity {
  const tlsFlagGiven = flags.ca !== undefined || flags.cert !== undefined || flags.key !== undefined
  if (flags.insecure === true) {
    if (tlsFlagGiven || flags.certsDir !== undefined)
      throw new UsageError('--insecure contradicts --certs-dir and --tls-*: give one or the other')
    return { insecure: true }
  }
  if (tlsFlagGiven && flags.certsDir !== undefined)
    throw new UsageError('--certs-dir and --tls-* each name the certificates: give one or the other')
  if (!tlsFlagGiven) return { tls: fromCertsDir(flags.certsDir ?? DEFAULT_CERTS_DIR) }
  if ((flags.cert === undefined) !== (flags.key === undefined))
    throw new UsageError('--tls-cert and --tls-key go together')
  if (flags.cert !== undefined && flags.ca === undefined)
    throw new UsageError("--tls-cert needs --tls-ca, the cluster CA that signed the nodes' certificates")
  // Only --tls-key: caught above; here --tls-ca is given.
  return {
    tls: {
      ca: pemOrUsage(flags.ca!, 'ca'),
      ...(flags.cert !== undefined && { cert: pemOrUsage(flags.cert, 'cert') }),
      ...(flags.key !== undefined && { key: pemOrUsage(flags.key, 'key') }),
    },
  }
}

/** The CA of a certificates directory, and its admin certificate when it has one (for status and fail-silent). */
function fromCertsDir(dir: string): ClientTls {
  const certs = new CertsDir(dir)
  if (!existsSync(certs.ca)) {
    throw new UsageError(
      `no cluster CA at ${certs.ca}: make the cluster's certificates with \`tm-certs create --config <scheme>\`, ` +
        'point to them with --certs-dir DIR (or --tls-ca), or give --insecure for a cluster whose nodes run with --insecure',
    )
  }
  const admin = certs.client()
  const withClientCert = existsSync(admin.cert) && existsSync(admin.key)
  if (!withClientCert) return { ca: pemOrUsage(certs.ca, 'ca') }
  return { ca: pemOrUsage(certs.ca, 'ca'), cert: pemOrUsage(admin.cert, 'cert'), key: pemOrUsage(admin.key, 'key') }
}

function pemOrUsage(path: string, kind: PemKind): Buffer {
  try {
    return readPem(path, kind)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`--tls-${kind}: ${error.message}`)
    throw error
  }
}

/**
 * A hint where the failure may be a TLS mismatch: a plaintext client gets only UNAVAILABLE ("connection reset")
 * from a TLS node, and a refused admin call does not say which flags carry a certificate.
 */
export function explainTls(failure: Failure, security: ClientSecurity | undefined): Failure {
  if (security === undefined) return failure
  if (failure.status === 'UNAVAILABLE' && security.tls === undefined && !failure.message.includes('ECONNREFUSED')) {
    return {
      ...failure,
      message: `${failure.message}; if the cluster uses TLS, drop --insecure (certificates in --certs-dir, default ${DEFAULT_CERTS_DIR}) or give --tls-ca`,
    }
  }
  if (failure.status === 'UNAUTHENTICATED' && security.tls?.cert === undefined) {
    return {
      ...failure,
      message: `${failure.message}; give one with --tls-cert and --tls-key (or admin.pem in --certs-dir)`,
    }
  }
  return failure
}
