import test from 'ava'
import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, MAX_CONFIG_BYTES } from '../../../src/plugins/yaml-config/config-error.js'
import { parsePlainScheme } from '../../../src/plugins/yaml-config/plain-scheme.js'
import { loadSchemeFile, parseScheme, parseSchemeDocument } from '../../../src/plugins/yaml-config/scheme-file.js'

const FILE = 'tokens.yaml'

function withFile(text: string, check: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tm-plain-'))
  try {
    const path = join(dir, 'tokens.yaml')
    writeFileSync(path, text)
    check(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A scheme of `count` tokens on 3 nodes in the plain layout, writers spread, as the benchmarks write it. */
function plainText(count: number): string {
  const nodes = ['127.0.0.1:50051', '127.0.0.1:50052', '127.0.0.1:50053']
  const lines: string[] = []
  for (let i = 1; i <= count; i++)
    lines.push(`- token: ${i}\n  writer: ${nodes[i % 3]}\n  readers: [${nodes.join(', ')}]\n`)
  return lines.join('')
}

/** What the full parser makes of `text`: its entries in order, or its error message. */
function viaYaml(text: string): unknown {
  try {
    return parseSchemeDocument(text, FILE).entries
  } catch (error) {
    return (error as Error).message
  }
}

/** Mostly what the plain layout covers, and now and then what it must leave to the full parser. */
const mostly = <T>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: odd, weight: 1 })
const id = mostly(
  fc.oneof(fc.nat(10 ** 6).map(String), fc.constantFrom('0', 'abc', 'a.b_c-d', 'yes', 'Infinity', 'e', 'n', 'on', 'T')),
  fc.constantFrom(
    '007',
    'true',
    'NULL',
    'False',
    'x:y',
    '.inf',
    '1e3',
    '0x1F',
    '"q"',
    "'7'",
    '-1',
    '1 # note',
    '~',
    '1.5',
  ),
)
const point = mostly(
  fc.constantFrom('127.0.0.1:50051', '127.0.0.1:50052', 'localhost:50053', '10.0.0.1:1'),
  fc.constantFrom('127.0.0.1:050051', '127.0.0.1', "'[::1]:50054'", '1:2', '127.0.0.1:50051 # c', '127.0.0.1:70000'),
)
const space = mostly(fc.constantFrom('', ' '), fc.constantFrom('  ', '\t'))
const readers = fc
  .tuple(
    fc.array(point, { minLength: 1, maxLength: 4 }),
    space,
    space,
    mostly(fc.constantFrom(', ', ','), fc.constantFrom(' ,  ', ',,')),
  )
  .map(([ps, open, close, comma]) => `[${open}${ps.join(comma)}${close}]`)
const noise = mostly(
  fc.constantFrom('', '', '', '# comment', '   ', '  # indented comment'),
  fc.constantFrom('\r', '---', 'x', '  extra: 1'),
)
const order = mostly<readonly string[]>(
  fc.constant(['token', 'writer', 'readers']),
  fc.constantFrom(['writer', 'readers', 'token'], ['readers', 'token'], ['token', 'writer', 'readers', 'writer']),
)
const item = fc.tuple(id, point, readers, order, space, noise).map(([token, writer, rs, keys, trail, extra]) => {
  const value = { token, writer, readers: rs } as Record<string, string>
  const lines = keys.map((key, i) => `${i === 0 ? '- ' : '  '}${key}: ${value[key]}${trail}`)
  return extra === '' ? lines : [...lines, extra]
})
const schemeText = fc
  .tuple(fc.array(item, { minLength: 0, maxLength: 5 }), fc.constantFrom('\n', '\r\n'))
  .map(([items, eol]) => items.flat().join(eol) + eol)

test('whatever the plain reader accepts, the full YAML parser reads as the same scheme', (t) => {
  let accepted = 0
  fc.assert(
    fc.property(schemeText, (text) => {
      const plain = parsePlainScheme(text)
      if (!('entries' in plain)) return true
      accepted++
      const entries = plain.entries.map((e) => ({ token: e.token, writer: e.writer, readers: [...e.readers] }))
      t.deepEqual(entries, viaYaml(text), text)
      return true
    }),
    { numRuns: 5000 },
  )
  t.log(`${accepted} of 5000 texts in the plain layout`)
  t.true(accepted > 200)
})

test("parseScheme gives the full parser's result or error for any of these texts, in the plain layout or not", (t) => {
  fc.assert(
    fc.property(schemeText, (text) => {
      let ours: unknown
      try {
        ours = parseScheme(text, FILE).entries
      } catch (error) {
        ours = (error as Error).message
      }
      t.deepEqual(ours, viaYaml(text), text)
    }),
    { numRuns: 1000 },
  )
})

test('a scheme of 10^5 tokens (10 MB) loads; the full parser alone refuses it by size', (t) => {
  const text = plainText(100_000)
  t.true(text.length > (10 * MAX_CONFIG_BYTES) / 2)
  withFile(text, (path) => {
    const scheme = loadSchemeFile(path)
    t.is(scheme.entries.length, 100_000)
    t.deepEqual(scheme.get('100000'), {
      token: '100000',
      writer: '127.0.0.1:50052',
      readers: ['127.0.0.1:50051', '127.0.0.1:50052', '127.0.0.1:50053'],
    })
  })
  t.throws(() => parseSchemeDocument(text, FILE), {
    instanceOf: ConfigError,
    message: /too large for the full YAML parser/,
  })
})

test('a scheme over 1 MiB must be in the plain layout: the first line that is not is named', (t) => {
  const lines = plainText(20_000).split('\n')
  lines[30_001] = '  readers: [127.0.0.1:50051, 127.0.0.1:50052] # a comment'
  const error = t.throws(() => parseScheme(lines.join('\n'), FILE), { instanceOf: ConfigError })
  t.regex(
    error?.message ?? '',
    /^tokens\.yaml:30002: a scheme over 1048576 bytes must be in the plain layout, .*; this line is not: readers/,
  )
  const twice = plainText(20_000) + plainText(1)
  t.throws(() => parseScheme(twice, FILE), {
    instanceOf: ConfigError,
    message: /^tokens\.yaml:60001: .*duplicate token id "1": already defined at line 1$/,
  })
})
