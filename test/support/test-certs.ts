import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './repo-root.js'

/** The file name stem scripts/make-test-certs.sh gives a node's certificate. */
export const nodeCertName = (address: string): string => `node-${address.replace(/[^A-Za-z0-9.]/g, '-')}`

/** A fresh directory of test certificates for `nodes` (scripts/make-test-certs.sh); the caller removes it. */
export function makeTestCerts(nodes: readonly string[], dir = mkdtempSync(join(tmpdir(), 'tm-certs-'))): string {
  execFileSync('bash', [join(repoRoot(), 'scripts/make-test-certs.sh'), dir, ...nodes], { stdio: 'ignore' })
  return dir
}
