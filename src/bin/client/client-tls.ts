import * as grpc from '@grpc/grpc-js'
import { UsageError } from 'clipanion'
import { InvalidArgumentError } from '../../core/errors.js'
import { existsSync } from 'node:fs'
import type { Failure } from './failure.js'
import { CertsDir, DEFAULT_CERTS_DIR } from '../../plugins/tls/certs-dir.js'
import { type SecureDial, secureDial, type SecureDialMaterial } from '../../plugins/tls/secure-dial.js'
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

/*
 * The channel credentials of this tm-client run: one run speaks as one identity to every node it contacts, so
 * they are set once from the flags (useClientTls, before the command's work) rather than threaded to each call.
 */
let material: SecureDialMaterial | undefined

/** How this run dials `node`: plaintext, TLS (--tls-ca), or mutual TLS (with --tls-cert/--tls-key). */
export function dialOf(node: string): SecureDial {
  return material === undefined
    ? { credentials: grpc.credentials.createInsecure(), options: {} }
    : secureDial(node, material)
}

/** True when this run dials with TLS. */
export function usingTls(): boolean {
  return material !== undefined
}

/**
 * Sets this run's credentials from the flags. Like the nodes, secure by default: --tls-* files when given, else
 * the certificates directory (the CA, and the admin certificate when there); plaintext only with --insecure.
 * Bad combinations, bad files and no certificates at all: UsageError, saying what to do.
 */
export function useClientTls(flags: ClientTlsFlags): void {
  material = undefined
  const tlsFlagGiven = flags.ca !== undefined || flags.cert !== undefined || flags.key !== undefined
  if (flags.insecure === true) {
    if (tlsFlagGiven || flags.certsDir !== undefined)
      throw new UsageError('--insecure contradicts --certs-dir and --tls-*: give one or the other')
    return
  }
  if (tlsFlagGiven && flags.certsDir !== undefined)
    throw new UsageError('--certs-dir and --tls-* each name the certificates: give one or the other')
  if (!tlsFlagGiven) {
    material = fromCertsDir(flags.certsDir ?? DEFAULT_CERTS_DIR)
    return
  }
  if ((flags.cert === undefined) !== (flags.key === undefined))
    throw new UsageError('--tls-cert and --tls-key go together')
  if (flags.cert !== undefined && flags.ca === undefined)
    throw new UsageError("--tls-cert needs --tls-ca, the cluster CA that signed the nodes' certificates")
  if (flags.ca === undefined) return
  material = {
    ca: pemOrUsage(flags.ca, 'ca'),
    cert: flags.cert === undefined ? undefined : pemOrUsage(flags.cert, 'cert'),
    key: flags.key === undefined ? undefined : pemOrUsage(flags.key, 'key'),
  }
}

/** The CA of a certificates directory, and its admin certificate when it has one (for status and fail-silent). */
function fromCertsDir(dir: string): SecureDialMaterial {
  const certs = new CertsDir(dir)
  if (!existsSync(certs.ca)) {
    throw new UsageError(
      `no cluster CA at ${certs.ca}: make the cluster's certificates with \`tm-certs create --config <scheme>\`, ` +
        'point to them with --certs-dir DIR (or --tls-ca), or give --insecure for a cluster whose nodes run with --insecure',
    )
  }
  const admin = certs.client()
  const withClientCert = existsSync(admin.cert) && existsSync(admin.key)
  return {
    ca: pemOrUsage(certs.ca, 'ca'),
    cert: withClientCert ? pemOrUsage(admin.cert, 'cert') : undefined,
    key: withClientCert ? pemOrUsage(admin.key, 'key') : undefined,
  }
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
export function explainTls(failure: Failure): Failure {
  if (failure.status === 'UNAVAILABLE' && material === undefined && !failure.message.includes('ECONNREFUSED')) {
    return {
      ...failure,
      message: `${failure.message}; if the cluster uses TLS, drop --insecure (certificates in --certs-dir, default ${DEFAULT_CERTS_DIR}) or give --tls-ca`,
    }
  }
  if (failure.status === 'UNAUTHENTICATED' && material?.cert === undefined) {
    return {
      ...failure,
      message: `${failure.message}; give one with --tls-cert and --tls-key (or admin.pem in --certs-dir)`,
    }
  }
  return failure
}
