import test from 'ava'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProcessCluster } from '../support/process-cluster.js'
import { runBin } from '../support/run-bin.js'
import { makeTestCerts } from '../support/test-certs.js'

/*
 * How tm-server and tm-client start without certificates. Each runs in an empty temporary directory, so that a
 * `certs` directory left in the repository by the demo cannot change the outcome.
 */
function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tm-nocerts-'))
  writeFileSync(join(dir, 'tokens.yaml'), '- token: 1\n  writer: 127.0.0.1:1\n  readers: [127.0.0.1:1]\n')
  return dir
}

test('tm-server without certificates and without --insecure exits 3 and names the command that makes them', async (t) => {
  const dir = emptyDir()
  const run = await runBin('tm-server', ['--config', 'tokens.yaml', '--address', '127.0.0.1:1'], { cwd: dir })
  t.is(run.code, 3)
  t.regex(
    run.stderr,
    /^tm-server: no certificates for 127\.0\.0\.1:1 \(missing .*ca\.pem.*\)\. .*`tm-certs create --config tokens\.yaml`.*--insecure/,
  )
  t.notRegex(run.stderr, /\n\s+at /, 'no stack trace')
  const elsewhere = await runBin(
    'tm-server',
    ['--config', 'tokens.yaml', '--address', '127.0.0.1:1', '--certs-dir', 'nowhere'],
    { cwd: dir },
  )
  t.is(elsewhere.code, 3)
  t.regex(elsewhere.stderr, /tm-certs create --config tokens\.yaml --certs-dir nowhere/)
})

test('--insecure contradicts certificate flags, and insecure: true contradicts a security section: exit 2', async (t) => {
  const dir = emptyDir()
  const both = await runBin(
    'tm-server',
    ['--config', 'tokens.yaml', '--address', '127.0.0.1:1', '--insecure', '--certs-dir', 'certs'],
    { cwd: dir },
  )
  t.is(both.code, 2)
  t.regex(both.stderr, /--insecure contradicts/)
  await makeTestCerts(['127.0.0.1:1'], join(dir, 'certs'))
  writeFileSync(
    join(dir, 'settings.yaml'),
    'insecure: true\nsecurity: { ca: certs/ca.pem, cert: certs/node-127.0.0.1-1.pem, ' +
      'key: certs/node-127.0.0.1-1-key.pem }\n',
  )
  const file = await runBin(
    'tm-server',
    ['--config', 'tokens.yaml', '--address', '127.0.0.1:1', '--settings', 'settings.yaml'],
    { cwd: dir },
  )
  t.is(file.code, 2)
  t.regex(file.stderr, /settings\.yaml:\d+.*insecure: true contradicts the security section/)
})

for (const [how, args, settings] of [
  ['--insecure', ['--insecure'], undefined],
  ['insecure: true', [], 'insecure: true\n'],
] as const) {
  test(`a node started with ${how} serves plaintext and warns that replica and admin traffic is unauthenticated`, async (t) => {
    const cluster = await ProcessCluster.create(1, [{ token: 'T', writer: 0, readers: [0] }], settings)
    try {
      cluster.plaintext = false
      cluster.cwd = cluster.dir
      await cluster.start(0, [
        ...args,
        ...(settings === undefined ? [] : ['--settings', join(cluster.dir, 'settings.yaml')]),
      ])
      const warning = cluster.logs
        .get(cluster.addresses[0]!)!
        .find((line) => line.includes('replica and admin traffic is unauthenticated'))
      t.like(JSON.parse(warning ?? '{}'), { level: 'warn' })
      // Generous: the whole suite runs beside this test on 2 cores (a 3 s deadline ran out once there).
      const status = await cluster.call(0, 'AdminService', 'Status', {}, 15_000)
      t.is(status.error, undefined, 'anyone may call AdminService: that is what the warning is about')
    } finally {
      await cluster.stop()
    }
  })
}

test('tm-client without certificates and without --insecure says how to get them, exit 2 (bad input)', async (t) => {
  const dir = emptyDir()
  const run = await runBin('tm-client', ['read', '--server', '127.0.0.1:1', '--id', '1'], { cwd: dir })
  t.is(run.code, 2)
  t.regex(
    run.stderr,
    /^tm-client: no cluster CA at certs\/ca\.pem: .*tm-certs create --config .*--certs-dir.*--insecure[^\n]*\n$/,
  )
  const both = await runBin(
    'tm-client',
    ['read', '--server', '127.0.0.1:1', '--id', '1', '--insecure', '--tls-ca', 'ca.pem'],
    { cwd: dir },
  )
  t.is(both.code, 2)
  t.regex(both.stderr, /--insecure contradicts/)
})
