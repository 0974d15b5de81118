import * as grpc from '@grpc/grpc-js'
import { UsageError } from 'clipanion'
import { InvalidArgumentError } from '../../core/errors.js'
import type { Failure } from './failure.js'
import { type SecureDial, secureDial, type SecureDialMaterial } from '../../plugins/tls/secure-dial.js'
import { type PemKind, readPem } from '../../plugins/tls/tls-files.js'

export interface ClientTlsFlags {
  readonly ca?: string | undefined
  readonly cert?: string | undefined
  readonly key?: string | undefined
}

/*
 * The channel credentials of this tm-client run: one run speaks as one identity to every node it contacts, so
 * they are set once from the flags (useClientTls, before the command's work) rather than threaded to each call.
 */
let material: SecureDialMaterial | undefined

/** How this run dials `node`: plaintext, TLS (--tls-ca), or mutual TLS (with --tls-cert/--tls-key). */
export function dialOf(node: string): SecureDial {
  return material === undefined ? { credentials: grpc.credentials.createInsecure(), options: {} } : secureDial(node, material)
}

/** True when this run dials with TLS. */
export function usingTls(): boolean {
  return material !== undefined
}

/** Sets this run's credentials from the flags; plaintext when none is given. Bad combinations and files: UsageError. */
export function useClientTls(flags: ClientTlsFlags): void {
  if ((flags.cert === undefined) !== (flags.key === undefined)) throw new UsageError('--tls-cert and --tls-key go together')
  if (flags.cert !== undefined && flags.ca === undefined) throw new UsageError('--tls-cert needs --tls-ca, the cluster CA that signed the nodes\' certificates')
  material = undefined
  if (flags.ca === undefined) return
  material = {
    ca: pemOrUsage(flags.ca, 'ca'),
    cert: flags.cert === undefined ? undefined : pemOrUsage(flags.cert, 'cert'),
    key: flags.key === undefined ? undefined : pemOrUsage(flags.key, 'key'),
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
    return { ...failure, message: `${failure.message}; if the cluster uses TLS, give --tls-ca (and --tls-cert, --tls-key)` }
  }
  if (failure.status === 'UNAUTHENTICATED' && material?.cert === undefined) {
    return { ...failure, message: `${failure.message}; give one with --tls-cert and --tls-key` }
  }
  return failure
}
