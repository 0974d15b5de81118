import { copyFileSync, existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCerts } from '../../src/bin/certs/create-certs.js'
import { nodeCertStem } from '../../src/plugins/tls/certs-dir.js'

/** The file name stem tm-certs gives a node's certificate. */
export const nodeCertName = nodeCertStem

/**
 * A directory of test certificates made as `tm-certs create` makes them, for `nodes` (ca.pem, node-<address>.pem,
 * admin.pem), plus a foreign set for negative tests: foreign-ca.pem, and foreign.pem / foreign-key.pem, which a
 * CA other than the cluster's signed and which claims to be the first node. Rerun on the same directory, it keeps
 * what is there and adds certificates for new nodes. The caller removes the directory.
 */
export async function makeTestCerts(
  nodes: readonly string[],
  dir = mkdtempSync(join(tmpdir(), 'tm-certs-')),
): Promise<string> {
  await createCerts({
    nodes,
    certsDir: dir,
    clientUsers: ['admin'],
    overwrite: false,
    caName: 'atomic-token-manager test cluster CA',
  })
  if (!existsSync(join(dir, 'foreign.pem'))) await makeForeign(nodes[0]!, dir)
  return dir
}

async function makeForeign(claimed: string, dir: string): Promise<void> {
  const foreign = join(dir, 'foreign-set')
  await createCerts({
    nodes: [claimed],
    certsDir: foreign,
    clientUsers: [],
    overwrite: false,
    caName: 'foreign test CA',
  })
  copyFileSync(join(foreign, 'ca.pem'), join(dir, 'foreign-ca.pem'))
  copyFileSync(join(foreign, `${nodeCertStem(claimed)}-key.pem`), join(dir, 'foreign-key.pem'))
  copyFileSync(join(foreign, `${nodeCertStem(claimed)}.pem`), join(dir, 'foreign.pem'))
}
