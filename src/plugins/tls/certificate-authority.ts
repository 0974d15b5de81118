// tsyringe, which @peculiar/x509 uses inside, needs the Reflect metadata API loaded first.
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { createPrivateKey, KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import { InvalidArgumentError } from '../../core/errors.js'
import { hostOf } from './secure-dial.js'

type CryptoKey = webcrypto.CryptoKey
type CryptoKeyPair = webcrypto.CryptoKeyPair

// Node's own WebCrypto: the library would otherwise look for a browser's global crypto.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

/** ECDSA on P-256 with SHA-256: small keys, fast handshakes, and what every TLS stack accepts. */
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const DAY_MS = 86_400_000
export const CA_LIFETIME_DAYS = 3650
export const LEAF_LIFETIME_DAYS = 1825

/** A certificate and its private key, both PEM. */
export interface PemPair {
  readonly cert: string
  readonly key: string
}

/**
 * A cluster's certificate authority: makes the CA certificate and signs node and operator certificates with it.
 * Every certificate it signs serves as a TLS server and client certificate, because nodes dial each other with
 * their node certificates and operators' tools present theirs to nodes.
 */
export class CertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
    readonly pem: PemPair,
  ) {}

  /** A new self-signed CA named `commonName`. */
  static async create(commonName: string, lifetimeDays = CA_LIFETIME_DAYS): Promise<CertificateAuthority> {
    const keys = await newKeyPair()
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: [{ CN: [commonName] }],
      ...validity(lifetimeDays),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    })
    return new CertificateAuthority(certificate, keys.privateKey, {
      cert: certificate.toString('pem'),
      key: await keyPem(keys.privateKey),
    })
  }

  /** An existing CA from its PEM files' text; refuses a key that is not the certificate's, or not EC P-256. */
  static async load(pem: PemPair, where: string): Promise<CertificateAuthority> {
    const certificate = new x509.X509Certificate(pem.cert)
    let signingKey: CryptoKey
    try {
      const der = createPrivateKey(pem.key).export({ type: 'pkcs8', format: 'der' })
      signingKey = (await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign'])) as CryptoKey
    } catch {
      throw new InvalidArgumentError(`the CA key in ${where} is not an EC P-256 private key`)
    }
    if (!new X509Certificate(pem.cert).checkPrivateKey(createPrivateKey(pem.key))) {
      throw new InvalidArgumentError(`the CA key in ${where} does not belong to its CA certificate`)
    }
    return new CertificateAuthority(certificate, signingKey, pem)
  }

  /** A node's certificate: CN = its access point (its identity), SAN = its host plus localhost and 127.0.0.1. */
  issueNode(address: string): Promise<PemPair> {
    return this.issue(address, subjectAltNames(hostOf(address)))
  }

  /** An operator's client certificate: CN = the user name, which nodes accept for admin calls. */
  issueClient(user: string): Promise<PemPair> {
    return this.issue(user, [{ type: 'dns', value: user }])
  }

  /** True when `certPem` is a certificate this CA signed. */
  async signed(certPem: string): Promise<boolean> {
    const certificate = new x509.X509Certificate(certPem)
    return (
      certificate.issuer === this.certificate.subject &&
      (await certificate.verify({ publicKey: this.certificate, signatureOnly: true }))
    )
  }

  private async issue(commonName: string, names: x509.JsonGeneralName[]): Promise<PemPair> {
    const keys = await newKeyPair()
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: [{ CN: [commonName] }],
      issuer: this.certificate.subjectName,
      ...validity(LEAF_LIFETIME_DAYS),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(names),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
      ],
    })
    return { cert: certificate.toString('pem'), key: await keyPem(keys.privateKey) }
  }
}

function newKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>
}

async function keyPem(key: CryptoKey): Promise<string> {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string
}

/** 16 random bytes with the top bit clear: a positive serial, unique without keeping a counter. */
function serialNumber(): string {
  const bytes = randomBytes(16)
  bytes[0] = bytes[0]! & 0x7f
  return bytes.toString('hex')
}

/** From an hour ago (a peer's clock may be a little behind) for `days`. */
function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now()
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + days * DAY_MS) }
}

/** localhost and 127.0.0.1 always (local tools), plus the node's own host as an IP or DNS name. */
function subjectAltNames(host: string): x509.JsonGeneralName[] {
  const names: x509.JsonGeneralName[] = [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'dns', value: 'localhost' },
  ]
  if (host === '127.0.0.1' || host === 'localhost') return names
  names.push(isIP(host) === 0 ? { type: 'dns', value: host } : { type: 'ip', value: host })
  return names
}
