import test from 'ava'
import type { ExecutionContext } from 'ava'
import { join } from 'node:path'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { isAccessPoint, parseAccessPoint } from '../../../src/plugins/yaml-config/access-point.js'
import { ConfigError } from '../../../src/plugins/yaml-config/config-error.js'
import { loadSchemeFile, parseScheme } from '../../../src/plugins/yaml-config/scheme-file.js'
import { repoRoot } from '../../support/repo-root.js'

const FILE = 'tokens.yaml'

/** Asserts that `text` fails with a ConfigError at exactly `line` whose message matches `problem`. */
function failsAt(t: ExecutionContext, text: string, line: number, problem: RegExp): ConfigError | undefined {
  const error = t.throws(() => parseScheme(text, FILE), { instanceOf: ConfigError })
  if (error === undefined) return undefined
  t.is(error.file, FILE)
  t.is(error.line, line, error.message)
  t.true(error.message.startsWith(`${FILE}:${line}:`), error.message)
  t.regex(error.message, problem)
  return error
}

const item = (token: string, writer = '127.0.0.1:50051', readers = '[127.0.0.1:50052, 127.0.0.1:50053]'): string =>
  `- token: ${token}\n  writer: ${writer}\n  readers: ${readers}\n`

// ---- the shipped scheme ----------------------------------------------------------------------------------------

test('config/tokens.yaml loads: 4 tokens, 5 nodes, distinct writers, writer in and out of its readers', (t) => {
  const scheme = loadSchemeFile(join(repoRoot(), 'config/tokens.yaml'))
  const entries = scheme.entries
  t.is(entries.length, 4)
  t.deepEqual(scheme.nodes(), [
    '127.0.0.1:50051',
    '127.0.0.1:50052',
    '127.0.0.1:50053',
    '127.0.0.1:50054',
    '127.0.0.1:50055',
  ])
  t.is(new Set(entries.map((e) => e.writer)).size, 4)
  t.true(entries.some((e) => e.readers.includes(e.writer)))
  t.true(entries.some((e) => !e.readers.includes(e.writer)))
  for (const e of entries) {
    const replicas = scheme.replicasOf(e.token).length
    t.true(replicas >= 3 && replicas <= 5, `${e.token} has ${replicas} replicas`)
  }
})

test('parses the documented example, block and flow readers alike', (t) => {
  const scheme = parseScheme(
    `${item('1', '127.0.0.1:50051', '[127.0.0.1:50051, 127.0.0.1:50052, 127.0.0.1:50053]')}` +
      "- token: beta\n  writer: 127.0.0.1:50052\n  readers:\n    - 127.0.0.1:50053\n    - localhost:50054\n    - '[::1]:50055'\n",
    FILE,
  )
  t.deepEqual(scheme.get('1'), {
    token: '1',
    writer: '127.0.0.1:50051',
    readers: ['127.0.0.1:50051', '127.0.0.1:50052', '127.0.0.1:50053'],
  })
  t.deepEqual(scheme.get('beta')?.readers, ['127.0.0.1:50053', 'localhost:50054', '[::1]:50055'])
})

test('integer token ids become decimal strings, exactly', (t) => {
  const scheme = parseScheme(item('007') + item('18446744073709551617') + item('"x-1.y_2:z"'), FILE)
  t.deepEqual(
    scheme.entries.map((e) => e.token),
    ['7', '18446744073709551617', 'x-1.y_2:z'],
  )
})

test('a missing file is a ConfigError naming it', (t) => {
  const error = t.throws(() => loadSchemeFile('/nonexistent/tokens.yaml'), { instanceOf: ConfigError })
  t.regex(error?.message ?? '', /^\/nonexistent\/tokens\.yaml: cannot read the file/)
  t.true(error instanceof InvalidArgumentError)
  t.is(error?.name, 'ConfigError')
})

// ---- errors, each with its line --------------------------------------------------------------------------------

test('YAML syntax errors carry the line and the code frame', (t) => {
  const error = failsAt(
    t,
    `${item('1')}- token: 2\n  writer: 127.0.0.1:50051\n  writer: 127.0.0.1:50052\n`,
    6,
    /Map keys must be unique/,
  )
  t.regex(error?.message ?? '', /\n\n {2}writer: 127\.0\.0\.1:50051\n {2}writer: 127\.0\.0\.1:50052\n {2}\^$/)
  failsAt(t, '- token: 1\n  writer: 127.0.0.1:50051\n  readers: [127.0.0.1:50052\n- token: 2\n', 4, /Flow sequence/)
})

test('the top level must be a non-empty list', (t) => {
  failsAt(t, '# scheme\ntoken: 1\nwriter: 127.0.0.1:50051\n', 2, /must be a list of tokens.*got a mapping/)
  failsAt(t, '', 1, /the scheme is empty/)
  failsAt(t, '# nothing yet\n', 1, /the scheme is empty/)
  failsAt(t, '# nothing yet\n[]\n', 2, /the scheme is empty/)
})

test('each item must be a mapping', (t) => {
  failsAt(
    t,
    `${item('1')}- 127.0.0.1:50051\n`,
    4,
    /must be a mapping with keys token, writer, readers; got the string "127\.0\.0\.1:50051"/,
  )
  failsAt(t, `${item('1')}-\n`, 4, /must be a mapping.*got an empty value/)
})

test('unknown keys are named, with the keys allowed', (t) => {
  failsAt(
    t,
    `${item('1') + item('2')}  writers: 127.0.0.1:50051\n`,
    7,
    /unknown key "writers".*allowed keys: token, writer, readers/,
  )
})

test('missing token, writer or readers is reported at the item', (t) => {
  failsAt(
    t,
    `${item('1')}- writer: 127.0.0.1:50051\n  readers: [127.0.0.1:50052]\n`,
    4,
    /scheme item is missing "token"/,
  )
  failsAt(t, `${item('1')}\n- token: 2\n  readers: [127.0.0.1:50052]\n`, 5, /token 2 is missing "writer"/)
  failsAt(t, `${item('1')}- token: 2\n  writer: 127.0.0.1:50051\n`, 4, /token 2 is missing "readers"/)
  failsAt(t, `${item('1')}- token: 2\n  writer:\n  readers: [127.0.0.1:50052]\n`, 5, /"writer" has no value/)
})

test('malformed access points are quoted', (t) => {
  failsAt(t, item('1', '127.0.0.256:50051'), 2, /malformed access point "127\.0\.0\.256:50051" for writer/)
  failsAt(t, item('1', '127.0.0.1'), 2, /malformed access point "127\.0\.0\.1"/)
  failsAt(
    t,
    item('1', '127.0.0.1:50051', '\n    - 127.0.0.1:50052\n    - host:50053'),
    5,
    /malformed access point "host:50053" for reader/,
  )
  failsAt(t, item('1', '127.0.0.1:50051', '[127.0.0.1:0]'), 3, /malformed access point "127\.0\.0\.1:0"/)
  failsAt(t, item('1', '50051'), 2, /malformed access point "50051"/)
  failsAt(t, item('1', '{ host: a }'), 2, /writer must be an access point.*got a mapping/)
})

test('readers must be a non-empty list', (t) => {
  failsAt(
    t,
    item('1', '127.0.0.1:50051', '127.0.0.1:50052'),
    3,
    /readers of token 1 must be a non-empty list.*got the string/,
  )
  failsAt(t, item('1') + item('2', '127.0.0.1:50051', '[]'), 6, /readers of token 2 must be a non-empty list/)
})

test('a reader listed twice in one item names both lines', (t) => {
  const text =
    item('1') + item('2', '127.0.0.1:50051', '\n    - 127.0.0.1:50052\n    - 127.0.0.1:50053\n    - 127.0.0.1:50052')
  failsAt(t, text, 9, /reader 127\.0\.0\.1:50052 is listed twice for token 2 \(first at line 7\)/)
})

test('duplicate token ids name both lines, integer and string spellings alike', (t) => {
  failsAt(t, item('1') + item('beta') + item('"1"'), 7, /duplicate token id "1": already defined at line 1/)
  failsAt(t, item('1') + item('beta') + item('001'), 7, /duplicate token id "1": already defined at line 1/)
  failsAt(t, item('x') + item('beta') + item('beta'), 7, /duplicate token id "beta": already defined at line 4/)
})

test('invalid token ids are rejected', (t) => {
  failsAt(t, item('1') + item('-1'), 4, /invalid token id -1: a numeric id must be a non-negative decimal integer/)
  failsAt(t, item('1.5'), 1, /invalid token id 1\.5/)
  failsAt(t, item('0x1F'), 1, /invalid token id 0x1F/)
  failsAt(t, item('true'), 1, /invalid token id: expected a non-negative integer or a string, got the boolean true/)
  failsAt(t, item('[1]'), 1, /invalid token id.*got a list/)
  failsAt(t, item('"bad id"'), 1, /invalid token id "bad id"/)
  failsAt(t, item('_x'), 1, /invalid token id "_x"/)
  failsAt(t, item('x'.repeat(129)), 1, /invalid token id "x{129}"/)
  failsAt(t, item('~'), 1, /"token" has no value/)
})

// ---- access points ---------------------------------------------------------------------------------------------

test('parseAccessPoint accepts IPv4, localhost and bracketed IPv6 with ports 1-65535', (t) => {
  t.deepEqual(parseAccessPoint('127.0.0.1:50051'), { host: '127.0.0.1', port: 50051 })
  t.deepEqual(parseAccessPoint('0.0.0.0:1'), { host: '0.0.0.0', port: 1 })
  t.deepEqual(parseAccessPoint('255.255.255.255:65535'), { host: '255.255.255.255', port: 65535 })
  t.deepEqual(parseAccessPoint('localhost:8080'), { host: 'localhost', port: 8080 })
  t.deepEqual(parseAccessPoint('[::1]:50051'), { host: '::1', port: 50051 })
  t.deepEqual(parseAccessPoint('[2001:db8::8a2e:370:7334]:443'), { host: '2001:db8::8a2e:370:7334', port: 443 })
})

test('parseAccessPoint rejects everything else, quoting it', (t) => {
  for (const bad of [
    '',
    '127.0.0.1',
    ':50051',
    '127.0.0.1:',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:050051',
    '127.0.0.1:+5',
    '127.0.0.1:5 ',
    ' 127.0.0.1:5',
    '256.0.0.1:5',
    '01.0.0.1:5',
    '1.2.3:5',
    '1.2.3.4.5:5',
    'example.com:5',
    'LOCALHOST:5',
    '::1:5',
    '[::1]',
    '[::1:5',
    '[fe80::1%eth0]:5',
    '[1.2.3.4]:5',
    '[]:5',
  ]) {
    t.false(isAccessPoint(bad), bad)
    t.throws(() => parseAccessPoint(bad), {
      instanceOf: InvalidArgumentError,
      message: new RegExp(`malformed access point "${bad.replace(/[[\].+]/g, '\\$&')}"`),
    })
  }
})
