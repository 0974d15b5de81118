import test from 'ava'
import type { ExecutionContext } from 'ava'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../../../src/plugins/yaml-config/config-error.js'
import { parseSettings } from '../../../src/plugins/yaml-config/settings-file.js'
import { makeTestCerts, nodeCertName } from '../../support/test-certs.js'

const NODE = '127.0.0.1:50051'
const CERT = nodeCertName(NODE)
let dir: string
let file: string

test.before(async () => {
  dir = await makeTestCerts([NODE])
  file = join(dir, 'settings.yaml')
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n')
})

test.after.always(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** A settings file whose security section has these lines (indented), after one line of something else. */
const section = (...lines: string[]): string =>
  ['logLevel: warn', 'security:', ...lines.map((l) => `  ${l}`)].join('\n')
const good = { ca: 'ca: ca.pem', cert: `cert: ${CERT}.pem`, key: `key: ${CERT}-key.pem` }

function failsAt(t: ExecutionContext, text: string, line: number, problem: RegExp): void {
  const error = t.throws(() => parseSettings(text, file), { instanceOf: ConfigError })
  if (error === undefined) return
  t.is(error.line, line, error.message)
  t.true(error.message.startsWith(`${file}:${line}:`), error.message)
  t.regex(error.message, problem)
}

test('a security section resolves its paths against the settings file; clientCerts defaults to optional', (t) => {
  t.deepEqual(parseSettings(section(good.ca, good.cert, good.key), file).security, {
    ca: join(dir, 'ca.pem'),
    cert: join(dir, `${CERT}.pem`),
    key: join(dir, `${CERT}-key.pem`),
    clientCerts: 'optional',
  })
  t.is(
    parseSettings(section(good.ca, good.cert, good.key, 'clientCerts: required'), file).security?.clientCerts,
    'required',
  )
})

test('missing keys (at the section), unknown keys and bad clientCerts (at their line)', (t) => {
  failsAt(t, section(good.ca, good.cert), 3, /security is missing "key"/)
  failsAt(t, section(good.ca, good.cert, good.key, 'mode: strict'), 6, /unknown key "mode" in security/)
  failsAt(
    t,
    section(good.ca, good.cert, good.key, 'clientCerts: sometimes'),
    6,
    /clientCerts must be one of optional, required/,
  )
  failsAt(t, 'security: on', 1, /security must be a mapping/)
  failsAt(t, section('ca: [a.pem]', good.cert, good.key), 3, /security ca must be a file path/)
})

test('a missing file or one that is not the right kind of PEM is reported at its own line', (t) => {
  failsAt(t, section('ca: nope.pem', good.cert, good.key), 3, /cannot read ca file .*nope\.pem: no such file/)
  failsAt(t, section(good.ca, 'cert: garbage.pem', good.key), 4, /cert file .*garbage\.pem is not a PEM certificate/)
  failsAt(t, section(good.ca, good.cert, `key: ${CERT}.pem`), 5, /key file .* is not a PEM private key/)
  failsAt(t, section(`ca: ${CERT}.pem`, good.cert, good.key), 3, /ca file .* is not a PEM CA certificate/)
})

test('files that do not belong together are reported at the section (its first line)', (t) => {
  failsAt(t, section(good.ca, good.cert, 'key: admin-key.pem'), 3, /does not belong to the certificate/)
  failsAt(t, section(good.ca, 'cert: foreign.pem', 'key: foreign-key.pem'), 3, /is not signed by the CA/)
})
