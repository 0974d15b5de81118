import { existsSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Where a cluster's certificates live, named the same way by tm-certs (which writes them), tm-server and
 * tm-client (which read them), so that a user who ran `tm-certs create` needs no further flags:
 *
 *   ca.pem, ca-key.pem                 the cluster CA (its key signs new certificates; keep it off the nodes)
 *   node-<address>.pem, -key.pem       one per node of the scheme, <address> with every character but
 *                                      letters, digits and '.' as '-' (node-127.0.0.1-50051.pem)
 *   <user>.pem, <user>-key.pem         an operator's client certificate (admin by default)
 */
export const DEFAULT_CERTS_DIR = 'certs'
export const DEFAULT_CLIENT_USER = 'admin'

/** A certificate and its private key, as file paths. */
export interface CertPair {
  readonly cert: string
  readonly key: string
}

export class CertsDir {
  constructor(readonly dir: string) {}

  get ca(): string {
    return join(this.dir, 'ca.pem')
  }

  get caKey(): string {
    return join(this.dir, 'ca-key.pem')
  }

  node(address: string): CertPair {
    return this.pair(nodeCertStem(address))
  }

  client(user: string = DEFAULT_CLIENT_USER): CertPair {
    return this.pair(user)
  }

  /** The files of `paths` that do not exist, for an error that says what is missing. */
  missing(...paths: string[]): string[] {
    return paths.filter((path) => !existsSync(path))
  }

  private pair(stem: string): CertPair {
    return { cert: join(this.dir, `${stem}.pem`), key: join(this.dir, `${stem}-key.pem`) }
  }
}

/** The file name stem of a node's certificate: its access point with only letters, digits and dots kept. */
export function nodeCertStem(address: string): string {
  return `node-${address.replace(/[^A-Za-z0-9.]/g, '-')}`
}
