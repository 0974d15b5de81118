import { UsageError } from 'clipanion'
import { resolve } from 'node:path'
import type { SecuritySettings } from '../../node/node-settings.js'

export interface TlsFlags {
  readonly ca: string | undefined
  readonly cert: string | undefined
  readonly key: string | undefined
}

/**
 * The security settings once --tls-ca/--tls-cert/--tls-key (paths relative to the working directory) override
 * the settings file's; each flag replaces one file. Without a security section the three flags go together.
 */
export function securityWithFlags(
  flags: TlsFlags,
  fromFile: SecuritySettings | undefined,
): SecuritySettings | undefined {
  const given = Object.entries(flags).filter(([, path]) => path !== undefined)
  if (given.length === 0) return fromFile
  const pick = (name: keyof TlsFlags): string | undefined =>
    flags[name] === undefined ? fromFile?.[name] : resolve(flags[name])
  const ca = pick('ca')
  const cert = pick('cert')
  const key = pick('key')
  if (ca === undefined || cert === undefined || key === undefined) {
    throw new UsageError('TLS needs --tls-ca, --tls-cert and --tls-key together (or a security section in --settings)')
  }
  return { ca, cert, key, clientCerts: fromFile?.clientCerts ?? 'optional' }
}
