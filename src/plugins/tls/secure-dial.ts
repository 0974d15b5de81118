import * as grpc from '@grpc/grpc-js'
import { isIP } from 'node:net'
import { checkServerIdentity, type PeerCertificate } from 'node:tls'

/** How to dial one node over TLS: credentials plus the channel options they need. */
export interface SecureDial {
  readonly credentials: grpc.ChannelCredentials
  readonly options: grpc.ChannelOptions
}

export interface SecureDialMaterial {
  readonly ca: Buffer
  /** A client certificate and its key, for mutual TLS; none for server-authenticated TLS only. */
  readonly cert?: Buffer | undefined
  readonly key?: Buffer | undefined
  /** The subject CN the server must present (a node's access point); any when unset. */
  readonly expectedCn?: string | undefined
}

/** The host part of `ip:port`, `host:port` or `[v6]:port`. */
export function hostOf(address: string): string {
  const host = address.slice(0, address.lastIndexOf(':'))
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/**
 * TLS to `address`: the server's certificate must chain to `ca`, match the address's host (IP or DNS SAN) and,
 * if asked, name `expectedCn`. grpc-js sends the target host as TLS server name, which for an IP address breaks
 * RFC 6066 (Node warns DEP0123 on every process); our servers ignore it, so an IP target sends a neutral name
 * instead and the identity check uses the real host.
 */
export function secureDial(address: string, material: SecureDialMaterial): SecureDial {
  const host = hostOf(address)
  const check = (_name: string, certificate: PeerCertificate): Error | undefined => {
    const mismatch = checkServerIdentity(host, certificate)
    if (mismatch !== undefined || material.expectedCn === undefined) return mismatch
    const cn = certificate.subject?.CN
    return cn === material.expectedCn ? undefined : new Error(`${address} presented a certificate for CN=${String(cn)}`)
  }
  const credentials = grpc.credentials.createSsl(material.ca, material.key ?? null, material.cert ?? null, {
    checkServerIdentity: check,
  })
  return { credentials, options: isIP(host) === 0 ? {} : { 'grpc.ssl_target_name_override': 'tm-node' } }
}
