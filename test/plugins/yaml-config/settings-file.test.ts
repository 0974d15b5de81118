import test from 'ava'
import type { ExecutionContext } from 'ava'
import { join } from 'node:path'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { DEFAULT_SETTINGS, resolveSettings } from '../../../src/node/node-settings.js'
import { ConfigError } from '../../../src/plugins/yaml-config/config-error.js'
import { loadSettingsFile, parseDuration, parseSettings } from '../../../src/plugins/yaml-config/settings-file.js'
import { repoRoot } from '../../support/repo-root.js'

const FILE = 'settings.yaml'

/** Asserts that `text` fails with a ConfigError at exactly `line` whose message matches `problem`. */
function failsAt(t: ExecutionContext, text: string, line: number, problem: RegExp): void {
  const error = t.throws(() => parseSettings(text, FILE), { instanceOf: ConfigError })
  if (error === undefined) return
  t.is(error.line, line, error.message)
  t.true(error.message.startsWith(`${FILE}:${line}:`), error.message)
  t.regex(error.message, problem)
}

// ---- loading ---------------------------------------------------------------------------------------------------

test('config/settings.yaml loads and spells out exactly the defaults', (t) => {
  const partial = loadSettingsFile(join(repoRoot(), 'config/settings.yaml'))
  // metricsAddress and security are unset by default, and persistence's default is a dir per node that tm-server
  // chooses (data/<ip>_<port>): the file shows them commented out.
  const spelled = Object.keys(DEFAULT_SETTINGS)
    .filter((k) => k !== 'metricsAddress' && k !== 'security' && k !== 'persistence')
    .sort()
  t.deepEqual(Object.keys(partial).sort(), spelled)
  t.deepEqual(resolveSettings(partial), DEFAULT_SETTINGS)
})

test('an empty file sets nothing; a file sets only the keys it names', (t) => {
  t.deepEqual(parseSettings('', FILE), {})
  t.deepEqual(parseSettings('# just comments\n', FILE), {})
  t.deepEqual(parseSettings('transport: grpc\nfailSilent:\n', FILE), { transport: 'grpc', failSilent: [] })
})

test('parses every shape the format documents', (t) => {
  const text = [
    'quorum: { kind: flexible, read: 2, write: 2 }',
    'transport: { kind: grpc, listen: 0.0.0.0:50051 }',
    'persistence: { kind: durable, dataDir: ./data }',
    'hasher: { kind: worker-pool, threads: 2, chunkValues: 1024 }',
    'operationTimeoutMs: 250',
    'maxDomainSize: "1000"',
    'maxQueuedWrites: 1',
    'maxConcurrentReads: 2',
    'maxParked: 3',
    'failSilent:',
    '  - { node: 127.0.0.1:50053, token: 1, after: 5s }',
    '  - node: localhost:50051',
    '    token: beta',
    '    after: 1500',
  ].join('\n')
  t.deepEqual(parseSettings(text, FILE), {
    quorum: { kind: 'flexible', read: 2, write: 2 },
    transport: { kind: 'grpc', listen: '0.0.0.0:50051' },
    persistence: { kind: 'durable', dataDir: './data' },
    hasher: { kind: 'worker-pool', threads: 2, chunkValues: 1024 },
    operationTimeoutMs: 250,
    maxDomainSize: 1000n,
    maxQueuedWrites: 1,
    maxConcurrentReads: 2,
    maxParked: 3,
    failSilent: [
      { node: '127.0.0.1:50053', token: '1', afterMs: 5000 },
      { node: 'localhost:50051', token: 'beta', afterMs: 1500 },
    ],
  })
  t.deepEqual(parseSettings('quorum: all\npersistence: { kind: memory }\n', FILE), {
    quorum: 'all',
    persistence: { kind: 'memory' },
  })
  t.deepEqual(parseSettings('quorum: { kind: majority }\n', FILE), { quorum: { kind: 'majority' } })
})

test('maxDomainSize stays exact as bigint up to 2^64-1, as integer or string', (t) => {
  t.is(parseSettings('maxDomainSize: 18446744073709551615\n', FILE).maxDomainSize, 18446744073709551615n)
  t.is(parseSettings('maxDomainSize: "18446744073709551615"\n', FILE).maxDomainSize, 18446744073709551615n)
  t.is(parseSettings('maxDomainSize: 9007199254740993\n', FILE).maxDomainSize, 9007199254740993n)
  failsAt(t, '\nmaxDomainSize: 18446744073709551616\n', 2, /maxDomainSize exceeds 2\^64-1/)
  failsAt(t, 'maxDomainSize: 0\n', 1, /maxDomainSize must be at least 1/)
  failsAt(t, 'maxDomainSize: 1e8\n', 1, /maxDomainSize must be a decimal uint64, got "1e8"/)
  failsAt(t, 'maxDomainSize: -5\n', 1, /maxDomainSize must be a decimal uint64/)
  failsAt(t, 'maxDomainSize: [1]\n', 1, /maxDomainSize must be a decimal integer; got a list/)
})

test('a missing file is a ConfigError naming it', (t) => {
  const error = t.throws(() => loadSettingsFile('/nonexistent/settings.yaml'), { instanceOf: ConfigError })
  t.regex(error?.message ?? '', /^\/nonexistent\/settings\.yaml: cannot read the file/)
})

// ---- errors, each with its line --------------------------------------------------------------------------------

test('syntax errors and a non-mapping top level', (t) => {
  failsAt(t, 'transport: grpc\nhasher: inline\ntransport: grpc\n', 3, /Map keys must be unique/)
  failsAt(t, '# settings\n- quorum: all\n', 2, /settings must be a mapping.*got a list/)
})

test('unknown keys are named, with the keys allowed', (t) => {
  failsAt(
    t,
    'transport: grpc\noperationTimeout: 5000\n',
    2,
    /unknown key "operationTimeout" in settings; allowed keys: quorum, transport, .*failSilent/,
  )
  failsAt(
    t,
    'failSilent:\n  - { node: 127.0.0.1:50053, token: 1, after: 5s, when: now }\n',
    2,
    /unknown key "when" in a failSilent entry/,
  )
})

test('wrong types and values', (t) => {
  failsAt(t, 'hasher: inline\ntransport: tcp\n', 2, /transport kind must be one of grpc; got the string "tcp"/)
  failsAt(
    t,
    'hasher: 3\n',
    1,
    /hasher must be a kind \(worker-pool, inline\) or a mapping \{ kind, \.\.\. \}; got the number 3/,
  )
  failsAt(t, 'operationTimeoutMs: 5s\n', 1, /operationTimeoutMs must be a positive integer; got the string "5s"/)
  failsAt(t, 'maxQueuedWrites: 1.5\n', 1, /maxQueuedWrites must be a positive integer; got the number 1\.5/)
  failsAt(t, '\n\nmaxParked: 0\n', 3, /maxParked must be a positive integer/)
  failsAt(t, 'maxConcurrentReads: "4096"\n', 1, /maxConcurrentReads must be a positive integer; got the string "4096"/)
  failsAt(t, 'transport: grpc\nhasher:\n', 2, /"hasher" has no value/)
})

test('invalid quorum shapes', (t) => {
  failsAt(t, 'quorum: most\n', 1, /quorum kind must be one of majority, all, flexible; got the string "most"/)
  failsAt(t, 'quorum: flexible\n', 1, /flexible quorum is missing "read"/)
  failsAt(t, 'quorum:\n  kind: flexible\n  read: 2\n', 2, /flexible quorum is missing "write"/)
  failsAt(t, 'quorum:\n  read: 2\n  write: 2\n', 2, /quorum is missing "kind"/)
  failsAt(
    t,
    'quorum:\n  kind: majority\n  read: 2\n',
    3,
    /unknown key "read" in quorum \(kind majority\); allowed keys: kind$/,
  )
  failsAt(
    t,
    'quorum: { kind: flexible, read: 0, write: 2 }\n',
    1,
    /quorum read must be a positive integer; got the number 0/,
  )
  failsAt(
    t,
    'quorum:\n  kind: flexible\n  read: 2\n  write: two\n',
    4,
    /quorum write must be a positive integer; got the string "two"/,
  )
  failsAt(
    t,
    'quorum: { kind: sloppy }\n',
    1,
    /quorum kind must be one of majority, all, flexible; got the string "sloppy"/,
  )
  failsAt(t, 'quorum:\n  kind: all\n  size: 3\n', 3, /unknown key "size" in quorum \(kind all\); allowed keys: kind/)
})

test('invalid persistence shapes', (t) => {
  failsAt(t, 'persistence: durable\n', 1, /durable persistence is missing "dataDir"/)
  failsAt(t, 'persistence:\n  kind: durable\n', 2, /durable persistence is missing "dataDir"/)
  failsAt(t, 'persistence: { kind: memory, dataDir: x }\n', 1, /unknown key "dataDir" in persistence \(kind memory\)/)
  failsAt(t, 'persistence:\n  kind: durable\n  dataDir: 5\n', 3, /dataDir must be a directory path; got the number 5/)
  failsAt(t, 'persistence: [memory]\n', 1, /persistence must be a kind \(memory, durable\) or a mapping/)
})

test('invalid hasher and transport sections, each naming its field', (t) => {
  failsAt(t, 'hasher:\n  kind: worker-pool\n  threads: -1\n', 3, /hasher threads must be a non-negative integer/)
  failsAt(t, 'hasher: { kind: worker-pool, chunkValues: 0 }\n', 1, /hasher chunkValues must be a positive integer/)
  failsAt(t, 'hasher: { kind: inline, threads: 2 }\n', 1, /unknown key "threads" in hasher \(kind inline\)/)
  failsAt(
    t,
    'transport: { kind: grpc, listen: 5 }\n',
    1,
    /transport listen must be an ip:port to bind; got the number 5/,
  )
})

test('the in-process transport is refused in a settings file: only a simulation, which owns a network, offers it', (t) => {
  failsAt(
    t,
    'transport: in-process\n',
    1,
    /^settings\.yaml:1:\d+: transport kind must be one of grpc; got the string "in-process"$/,
  )
})

test('the flat hasher keys of earlier releases still set the worker-pool hasher', (t) => {
  const file = parseSettings('hasher: worker-pool\nhashThreads: 3\nhashChunkValues: 4096\n', FILE)
  t.deepEqual(resolveSettings(file).hasher, { kind: 'worker-pool', threads: 3, chunkValues: 4096 })
  t.deepEqual(resolveSettings(parseSettings('hashThreads: 2\n', FILE)).hasher, {
    kind: 'worker-pool',
    threads: 2,
    chunkValues: 262144,
  })
  // The nested field wins over the old key; an inline hasher reads neither, as before.
  const both = parseSettings('hasher: { kind: worker-pool, threads: 1 }\nhashThreads: 8\n', FILE)
  t.is(resolveSettings(both).hasher.threads, 1)
  t.deepEqual(resolveSettings(parseSettings('hasher: inline\nhashThreads: 8\n', FILE)).hasher, { kind: 'inline' })
  failsAt(t, 'hashThreads: -1\n', 1, /hashThreads must be a positive integer/)
})

test('invalid failSilent entries', (t) => {
  const entry = (fields: string): string =>
    `maxParked: 5\nfailSilent:\n  - { node: 127.0.0.1:50051, token: 1, after: 1s }\n  - ${fields}\n`
  failsAt(
    t,
    entry('{ node: 127.0.0.1:99999, token: 1, after: 5s }'),
    4,
    /malformed access point "127\.0\.0\.1:99999" for failSilent node/,
  )
  failsAt(t, entry('{ node: 127.0.0.1:50051, token: 1, after: soon }'), 4, /invalid duration "soon"/)
  failsAt(t, entry('{ node: 127.0.0.1:50051, token: 1, after: 1.5 }'), 4, /invalid duration "1\.5"/)
  failsAt(t, entry('{ node: 127.0.0.1:50051, token: 1 }'), 4, /failSilent entry is missing "after"/)
  failsAt(t, entry('{ node: 127.0.0.1:50051, token: "no way", after: 1s }'), 4, /invalid token id "no way"/)
  failsAt(t, entry('127.0.0.1:50051'), 4, /each failSilent entry must be a mapping/)
  failsAt(t, 'failSilent: { node: 127.0.0.1:50051 }\n', 1, /failSilent must be a list/)
})

// ---- durations -------------------------------------------------------------------------------------------------

test('parseDuration reads ms, s, m, decimals and plain milliseconds exactly', (t) => {
  const cases: [string, number][] = [
    ['250ms', 250],
    ['5s', 5000],
    ['2m', 120_000],
    ['1.5s', 1500],
    ['1.1s', 1100],
    ['0.001s', 1],
    ['1500', 1500],
    ['0', 0],
    ['0ms', 0],
    ['1.0ms', 1],
    ['0.5m', 30_000],
  ]
  for (const [text, ms] of cases) t.is(parseDuration(text), ms, text)
})

test('parseDuration rejects anything else', (t) => {
  for (const bad of [
    '',
    's',
    '5 s',
    '-1s',
    '1h',
    '1.5',
    '1.5ms',
    '0.0001s',
    '1e3',
    'abc',
    '5sec',
    '.5s',
    '5.s',
    '99999999999999999999m',
  ]) {
    t.throws(() => parseDuration(bad), { instanceOf: InvalidArgumentError, message: /^invalid duration "/ }, bad)
  }
})
