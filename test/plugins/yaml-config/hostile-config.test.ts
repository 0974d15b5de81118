import test from 'ava'
import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, MAX_CONFIG_BYTES } from '../../../src/plugins/yaml-config/config-error.js'
import { loadSchemeFile, MAX_SCHEME_BYTES, parseScheme } from '../../../src/plugins/yaml-config/scheme-file.js'
import { loadSettingsFile, parseSettings } from '../../../src/plugins/yaml-config/settings-file.js'

const FILE = 'tokens.yaml'

function withFile(text: string, check: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tm-yaml-'))
  try {
    const path = join(dir, 'config.yaml')
    writeFileSync(path, text)
    check(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('a settings file over 1 MiB and a scheme file over 64 MiB are refused by size, before they are parsed', (t) => {
  const head = '- token: 1\n  writer: 127.0.0.1:50051\n  readers: [127.0.0.1:50052]\n'
  withFile(`${head}${'#'.repeat(MAX_SCHEME_BYTES)}\n`, (path) => {
    const started = Date.now()
    const error = t.throws(() => loadSchemeFile(path), { instanceOf: ConfigError })
    t.regex(error?.message ?? '', /config\.yaml: the file is too large: \d+ bytes, at most 67108864/)
    const settings = t.throws(() => loadSettingsFile(path), { instanceOf: ConfigError })
    t.regex(settings?.message ?? '', /config\.yaml: the file is too large: \d+ bytes, at most 1048576/)
    t.log(`refused in ${Date.now() - started} ms`)
  })
  withFile('#'.repeat(MAX_CONFIG_BYTES - 1), (path) =>
    t.deepEqual(loadSettingsFile(path), {}, 'just under the bound is read'),
  )
  // A scheme between the two bounds is read only in the plain layout (a whole-line comment is part of it).
  withFile(`${head}${'#'.repeat(2 * MAX_CONFIG_BYTES)}\n`, (path) => t.is(loadSchemeFile(path).entries.length, 1))
})

test('a billion-laughs alias bomb is refused at its first alias, with the line', (t) => {
  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let i = 1; i < 10; i++)
    bomb.push(
      `${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9)
        .fill(`*${'abcdefghij'[i - 1]}`)
        .join(',')}]`,
    )
  const text = `- token: 1\n  writer: 127.0.0.1:50051\n  readers: *j\n${bomb.map((l) => `# ${l}`).join('\n')}\n`
  const error = t.throws(() => parseScheme(`${bomb.join('\n')}\n`, FILE), { instanceOf: ConfigError })
  t.regex(error?.message ?? '', /^tokens\.yaml:2:\d+: YAML aliases \(\*a\) are not supported/)
  t.throws(() => parseScheme(text, FILE), {
    instanceOf: ConfigError,
    message: /^tokens\.yaml:3:\d+: YAML aliases \(\*j\)/,
  })
  t.throws(() => parseSettings(`maxParked: &n 5\nmaxQueuedWrites: *n\n`, 'settings.yaml'), {
    instanceOf: ConfigError,
    message: /^settings\.yaml:2:\d+: YAML aliases/,
  })
})

test('inconsistent schemes: a writer among no readers is fine; a token twice or a port out of range is not', (t) => {
  const scheme = parseScheme('- token: 1\n  writer: 127.0.0.1:50051\n  readers: [127.0.0.1:50052]\n', FILE)
  t.deepEqual(scheme.replicasOf('1'), ['127.0.0.1:50051', '127.0.0.1:50052'])
  const ok = '- token: 1\n  writer: 127.0.0.1:50051\n  readers: [127.0.0.1:50052]\n'
  t.throws(() => parseScheme(ok + ok, FILE), {
    instanceOf: ConfigError,
    message: /^tokens\.yaml:4:\d+: duplicate token id "1"/,
  })
  t.throws(() => parseScheme(ok.replace('50052]', '65536]'), FILE), {
    instanceOf: ConfigError,
    message: /^tokens\.yaml:3:\d+: malformed access point "127\.0\.0\.1:65536"/,
  })
  t.throws(() => parseScheme(ok.replace('writer: 127.0.0.1:50051', 'writer: 127.0.0.1'), FILE), {
    instanceOf: ConfigError,
    message: /^tokens\.yaml:2:\d+: malformed access point "127\.0\.0\.1"/,
  })
  t.throws(() => parseScheme(ok.replace('  readers: [127.0.0.1:50052]\n', ''), FILE), {
    instanceOf: ConfigError,
    message: /^tokens\.yaml:1:\d+: token 1 is missing "readers"/,
  })
})

// YAML-ish text: fragments of schemes and settings, YAML punctuation, and noise, glued at random.
const fragment = fc.oneof(
  fc.constantFrom(
    '- token: 1',
    '- token: ',
    'token: x',
    '  writer: 127.0.0.1:50051',
    '  writer: 127.0.0.1',
    '  readers: [127.0.0.1:50052]',
    '  readers:',
    '    - 127.0.0.1:50053',
    '    - [::1]:5',
    "    - '[::1]:5'",
    '  readers: []',
    '  extra: 1',
    '&a',
    '*a',
    '- &a x',
    '- *a',
    '<<: *a',
    '!!binary aGk=',
    '!tag x',
    '%YAML 1.2',
    '---',
    '...',
    '? complex',
    ': value',
    '{',
    '}',
    '[',
    ']',
    '"',
    "'",
    '#',
    '|',
    '>-',
    'maxParked: 5',
    'quorum: { kind: flexible, read: 2, write: 2 }',
    'failSilent:',
    '  - { node: 127.0.0.1:1, token: 1, after: 5s }',
    'maxDomainSize: 18446744073709551616',
    '\t',
    '\uFEFF',
    '\u0000',
    '\uD800',
    '- token: 18446744073709551617',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
)
const yamlish = fc
  .array(fc.tuple(fc.constantFrom('', '  ', '    ', '- '), fragment), { maxLength: 14 })
  .map((lines) => lines.map(([indent, f]) => indent + f).join('\n'))

test('random YAML-ish text: the loaders return a result or throw a ConfigError with file:line, nothing else', (t) => {
  fc.assert(
    fc.property(yamlish, (text) => {
      for (const [parse, file] of [
        [parseScheme, 'tokens.yaml'],
        [parseSettings, 'settings.yaml'],
      ] as const) {
        try {
          parse(text, file)
        } catch (error) {
          if (!(error instanceof ConfigError)) throw new Error(`${file}: not a ConfigError: ${String(error)}`)
          if (error.line === undefined || !error.message.startsWith(`${file}:${error.line}`))
            throw new Error(`no line: ${error.message}`)
        }
      }
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
  )
  t.pass()
})
