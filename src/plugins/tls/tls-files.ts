import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { InvalidArgumentError } from '../../core/errors.js'

/** The PEM files of one TLS identity, read and checked. */
export interface TlsFiles {
  /** The CA bundle as read: verifies the other side. */
  readonly ca: Buffer
  readonly cert: Buffer
  readonly key: Buffer
  /** The subject CN of `cert`: a node's access point, or an operator's name. */
  readonly commonName: string
}

export type PemKind = 'ca' | 'cert' | 'key'

const WHAT: Record<PemKind, string> = {
  ca: 'a PEM CA certificate',
  cert: 'a PEM certificate',
  key: 'a PEM private key',
}

/** One PEM file, read and parsed; InvalidArgumentError names the file and what is wrong with it. */
export function readPem(path: string, kind: PemKind): Buffer {
  let text: Buffer
  try {
    text = readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : (error as Error).message
    throw new InvalidArgumentError(`cannot read ${kind} file ${path}: ${why}`)
  }
  try {
    parsePem(text, kind)
  } catch {
    throw new InvalidArgumentError(`${kind} file ${path} is not ${WHAT[kind]}`)
  }
  return text
}

function parsePem(text: Buffer, kind: PemKind): X509Certificate | KeyObject {
  if (!text.toString('latin1').includes('-----BEGIN ')) throw new Error('not PEM')
  if (kind === 'key') return createPrivateKey(text)
  const certificate = new X509Certificate(text)
  if (kind === 'ca' && !certificate.ca) throw new Error('not a CA')
  return certificate
}

/**
 * The three files of one identity, each checked (readPem) and then against each other: the key belongs to the
 * certificate and the certificate was issued by the CA. Errors name the files.
 */
export function loadTlsFiles(paths: { readonly ca: string; readonly cert: string; readonly key: string }): TlsFiles {
  const ca = readPem(paths.ca, 'ca')
  const cert = readPem(paths.cert, 'cert')
  const key = readPem(paths.key, 'key')
  const certificate = new X509Certificate(cert)
  if (!certificate.checkPrivateKey(createPrivateKey(key))) {
    throw new InvalidArgumentError(`key file ${paths.key} does not belong to the certificate ${paths.cert}`)
  }
  if (!issuedBy(certificate, ca)) {
    throw new InvalidArgumentError(`certificate ${paths.cert} is not signed by the CA ${paths.ca}`)
  }
  return { ca, cert, key, commonName: commonNameOf(certificate.subject) }
}

/** True when `certificate` is signed by the CA certificate in `ca` (the first one of a bundle). */
function issuedBy(certificate: X509Certificate, ca: Buffer): boolean {
  const authority = new X509Certificate(ca)
  return certificate.checkIssued(authority) && certificate.verify(authority.publicKey)
}

/** The CN of a subject as X509Certificate prints it (`CN=127.0.0.1:50051`, one attribute per line). */
export function commonNameOf(subject: string): string {
  const line = subject.split('\n').find((l) => l.startsWith('CN='))
  return line === undefined ? '' : line.slice(3)
}
