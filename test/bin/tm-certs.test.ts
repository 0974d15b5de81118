import test from 'ava'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBin } from '../support/run-bin.js'

const NODES = ['127.0.0.1:50051', '127.0.0.1:50052', '10.1.2.3:7000']

/** A temporary directory with a scheme of NODES; tm-certs runs there. */
function schemeDir(nodes: readonly string[] = NODES): string {
  const dir = mkdtempSync(join(tmpdir(), 'tm-certs-cli-'))
  writeFileSync(join(dir, 'tokens.yaml'), `- token: 1\n  writer: ${nodes[0]}\n  readers: [${nodes.join(', ')}]\n`)
  return dir
}

const certificate = (dir: string, name: string): X509Certificate =>
  new X509Certificate(readFileSync(join(dir, 'certs', name)))
const modeOf = (dir: string, name: string): number => statSync(join(dir, 'certs', name)).mode & 0o777

test('tm-certs create makes a CA, one certificate per node of the scheme (CN its access point, SAN its host) and an admin certificate', async (t) => {
  const dir = schemeDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const run = await runBin('tm-certs', ['create', '--config', 'tokens.yaml'], { cwd: dir })
  t.is(run.code, 0, run.stderr)
  t.regex(
    run.stdout,
    /made a new CA in certs; made: node-10\.1\.2\.3-7000\.pem node-127\.0\.0\.1-50051\.pem node-127\.0\.0\.1-50052\.pem admin\.pem/,
  )
  const ca = certificate(dir, 'ca.pem')
  t.true(ca.ca)
  for (const [name, cn, san] of [
    ['node-127.0.0.1-50051', '127.0.0.1:50051', /IP Address:127\.0\.0\.1/],
    ['node-10.1.2.3-7000', '10.1.2.3:7000', /IP Address:10\.1\.2\.3/],
    ['admin', 'admin', /DNS:admin/],
  ] as const) {
    const cert = certificate(dir, `${name}.pem`)
    t.is(cert.subject, `CN=${cn}`)
    t.regex(cert.subjectAltName ?? '', san)
    t.false(cert.ca)
    t.true(cert.checkIssued(ca) && cert.verify(ca.publicKey), `${name} is signed by the CA`)
    t.true(cert.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'certs', `${name}-key.pem`)))))
    t.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], 'server and client authentication')
    t.is(modeOf(dir, `${name}-key.pem`), 0o600, 'a private key is readable by its owner only')
    t.is(modeOf(dir, `${name}.pem`), 0o644)
  }
  t.is(modeOf(dir, 'ca-key.pem'), 0o600)
})

test('a rerun keeps the CA and every certificate, a new node gets only its own, and --overwrite makes a new CA', async (t) => {
  const dir = schemeDir(NODES.slice(0, 2))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  t.is((await runBin('tm-certs', ['create', '--config', 'tokens.yaml'], { cwd: dir })).code, 0)
  const before = readFileSync(join(dir, 'certs', 'ca.pem'), 'utf8')
  const firstNode = readFileSync(join(dir, 'certs', 'node-127.0.0.1-50051.pem'), 'utf8')
  writeFileSync(join(dir, 'tokens.yaml'), `- token: 1\n  writer: ${NODES[0]}\n  readers: [${NODES.join(', ')}]\n`)
  const rerun = await runBin('tm-certs', ['create', '--config', 'tokens.yaml'], { cwd: dir })
  t.is(rerun.code, 0, rerun.stderr)
  t.regex(
    rerun.stdout,
    /kept the existing CA in certs; made: node-10\.1\.2\.3-7000\.pem; kept: node-127\.0\.0\.1-50051\.pem node-127\.0\.0\.1-50052\.pem admin\.pem/,
  )
  t.is(readFileSync(join(dir, 'certs', 'ca.pem'), 'utf8'), before, 'the CA is not overwritten')
  t.is(readFileSync(join(dir, 'certs', 'node-127.0.0.1-50051.pem'), 'utf8'), firstNode)
  const overwrite = await runBin('tm-certs', ['create', '--config', 'tokens.yaml', '--overwrite'], { cwd: dir })
  t.is(overwrite.code, 0, overwrite.stderr)
  t.regex(overwrite.stdout, /made a new CA/)
  const ca = certificate(dir, 'ca.pem')
  t.not(ca.toString(), new X509Certificate(before).toString())
  t.true(certificate(dir, 'node-127.0.0.1-50051.pem').checkIssued(ca), 'every certificate is made again for the new CA')
})

test('tm-certs refuses to sign with a CA whose key is missing, and names the way out', async (t) => {
  const dir = schemeDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  t.is((await runBin('tm-certs', ['create', '--config', 'tokens.yaml'], { cwd: dir })).code, 0)
  rmSync(join(dir, 'certs', 'ca-key.pem'))
  rmSync(join(dir, 'certs', 'admin.pem'))
  const run = await runBin('tm-certs', ['create', '--config', 'tokens.yaml'], { cwd: dir })
  t.is(run.code, 2)
  t.regex(run.stderr, /^tm-certs: .*ca\.pem exists but its key .*ca-key\.pem does not: .*--ca-key.*--overwrite/)
})
