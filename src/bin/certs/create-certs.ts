import { createPrivateKey, X509Certificate } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { InvalidArgumentError } from '../../core/errors.js'
import { CertificateAuthority, type PemPair } from '../../plugins/tls/certificate-authority.js'
import { type CertPair, CertsDir } from '../../plugins/tls/certs-dir.js'

export interface CreateCertsOptions {
  /** The nodes of the scheme: one certificate each. */
  readonly nodes: readonly string[]
  readonly certsDir: string
  /** Where the CA key lives; next to ca.pem when unset. */
  readonly caKeyPath?: string | undefined
  /** Operators' client certificates to make (CN = the name). */
  readonly clientUsers: readonly string[]
  /** Replace an existing CA (and so every certificate) instead of signing with it. */
  readonly overwrite: boolean
  /** The CA's subject CN. */
  readonly caName: string
}

/** What one run did, file by file, for the summary line. */
export interface CreateCertsReport {
  readonly ca: 'made' | 'kept'
  readonly made: string[]
  readonly kept: string[]
}

/**
 * Makes a cluster's certificates in one directory: a CA unless one is there, then for each node of the scheme and
 * each client user a certificate signed by it, unless a valid one of that CA is there already. So it can be rerun
 * after adding a node. An existing CA is replaced only with `overwrite`, and then every certificate is made anew,
 * because certificates of the old CA no longer verify against the new one.
 */
export async function createCerts(options: CreateCertsOptions): Promise<CreateCertsReport> {
  const dir = new CertsDir(options.certsDir)
  const caKeyPath = options.caKeyPath ?? dir.caKey
  mkdirSync(options.certsDir, { recursive: true, mode: 0o755 })
  const existing = existsSync(dir.ca)
  const report: CreateCertsReport = { ca: existing && !options.overwrite ? 'kept' : 'made', made: [], kept: [] }
  const authority =
    report.ca === 'kept' ? await loadCa(dir.ca, caKeyPath) : await CertificateAuthority.create(options.caName)
  if (report.ca === 'made') {
    writePair({ cert: dir.ca, key: caKeyPath }, authority.pem)
  }
  const wanted: { pair: CertPair; issue: () => Promise<PemPair> }[] = [
    ...options.nodes.map((node) => ({ pair: dir.node(node), issue: () => authority.issueNode(node) })),
    ...options.clientUsers.map((user) => ({ pair: dir.client(user), issue: () => authority.issueClient(user) })),
  ]
  for (const { pair, issue } of wanted) {
    if (report.ca === 'kept' && (await isValidPair(pair, authority))) {
      report.kept.push(pair.cert)
      continue
    }
    writePair(pair, await issue())
    report.made.push(pair.cert)
  }
  return report
}

async function loadCa(caPath: string, caKeyPath: string): Promise<CertificateAuthority> {
  if (!existsSync(caKeyPath)) {
    throw new InvalidArgumentError(
      `${caPath} exists but its key ${caKeyPath} does not: give the CA key with --ca-key, ` +
        'or make a new CA (and new certificates for every node) with --overwrite',
    )
  }
  return CertificateAuthority.load(
    { cert: readFileSync(caPath, 'utf8'), key: readFileSync(caKeyPath, 'utf8') },
    caKeyPath,
  )
}

/** A pair made earlier by this CA whose key is the certificate's: kept, so that a rerun changes nothing. */
async function isValidPair(pair: CertPair, authority: CertificateAuthority): Promise<boolean> {
  if (!existsSync(pair.cert) || !existsSync(pair.key)) return false
  try {
    const cert = readFileSync(pair.cert, 'utf8')
    return (
      new X509Certificate(cert).checkPrivateKey(createPrivateKey(readFileSync(pair.key))) &&
      (await authority.signed(cert))
    )
  } catch {
    return false
  }
}

/** The certificate world-readable (0644), the key for its owner only (0600), each written whole or not at all. */
function writePair(paths: CertPair, pem: PemPair): void {
  writeAtomically(paths.key, pem.key, 0o600)
  writeAtomically(paths.cert, pem.cert, 0o644)
}

function writeAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`
  rmSync(temporary, { force: true })
  // Created with its final mode, so a key is never readable by others, not even for a moment.
  writeFileSync(temporary, text, { mode, flag: 'wx' })
  // The mode given at creation is masked by the umask; chmod sets exactly the one meant.
  chmodSync(temporary, mode)
  renameSync(temporary, path)
}
