import { status as GrpcStatus } from '@grpc/grpc-js'
import test from 'ava'
import { UsageError } from 'clipanion'
import { join } from 'node:path'
import { nodeStatus, type WireStatusReply as StatusReply } from '../../src/client/admin-results.js'
import { withCallFailure } from '../../src/client/call-failure.js'
import { OutcomeUnknownError, UnavailableError } from '../../src/client/client-errors.js'
import { readerOrder } from '../../src/client/reader-order.js'
import {
  lifecycleResult,
  readResult,
  type WireReadReply as ReadReply,
  writeResult,
} from '../../src/client/wire-results.js'
import { createClientCli } from '../../src/bin/client/client-cli.js'
import { EXIT_CODES_HELP, ExitCode } from '../../src/bin/client/exit-codes.js'
import { describeFailure } from '../../src/bin/client/failure.js'
import {
  formatFailSilent,
  formatFailure,
  formatLifecycle,
  formatRead,
  formatStatus,
  formatWrite,
} from '../../src/bin/client/output.js'
import type { ReadCommand } from '../../src/bin/client/read-command.js'
import {
  parseAfterMs,
  parseServer,
  parseTimeoutMs,
  parseTokenId,
  parseWriteRequest,
} from '../../src/bin/client/request-args.js'
import { WriteCommand } from '../../src/bin/client/write-command.js'
import { InvalidArgumentError } from '../../src/core/errors.js'
import { ConfigError } from '../../src/plugins/yaml-config/config-error.js'
import { repoRoot } from '../support/repo-root.js'
import { runClient } from '../support/run-client.js'

const MAX = '18446744073709551615'
const SCHEME = join(repoRoot(), 'config/tokens.yaml')
const write = (low: string, mid: string, high: string, name = 'alice'): ReturnType<typeof parseWriteRequest> =>
  parseWriteRequest({ id: '1', name, low, mid, high })

// ---- argument validation ---------------------------------------------------------------------------------------

test('write arguments: canonical uint64 strings become exact bigints, up to 2^64-1', (t) => {
  t.deepEqual(write('0', '0', '1'), { id: '1', name: 'alice', low: 0n, mid: 0n, high: 1n })
  t.is(write('18446744073709551613', '18446744073709551614', MAX).high, BigInt(MAX))
})

test('write arguments: bad uint64 text is rejected with the flag named', (t) => {
  const cases: [string, string, string, RegExp][] = [
    ['abc', '1', '2', /--low must be a decimal uint64, got "abc"/],
    ['0', '-1', '2', /--mid must be a decimal uint64, got "-1"/],
    ['0', '1', '18446744073709551616', /--high exceeds 2\^64-1/],
    ['007', '8', '9', /--low must be a decimal uint64, got "007"/],
    ['1.5', '2', '3', /--low must be a decimal uint64/],
    ['', '2', '3', /--low must be a decimal uint64/],
  ]
  for (const [low, mid, high, message] of cases) {
    t.throws(() => write(low, mid, high), { instanceOf: InvalidArgumentError, message }, `${low} ${mid} ${high}`)
  }
})

test('write arguments: the range must satisfy low <= mid < high', (t) => {
  t.notThrows(() => write('5', '5', '6'))
  t.throws(() => write('5', '4', '10'), {
    instanceOf: InvalidArgumentError,
    message: /low <= mid < high, got --low 5 --mid 4 --high 10/,
  })
  t.throws(() => write('5', '10', '10'), { message: /low <= mid < high/ })
  t.throws(() => write('0', '0', '0'), { message: /low <= mid < high/ })
})

test('write arguments: names are bounded to 4096 bytes of UTF-8, and token ids checked', (t) => {
  t.notThrows(() => write('0', '0', '1', 'x'.repeat(4096)))
  t.throws(() => write('0', '0', '1', 'é'.repeat(2049)), { message: /--name exceeds 4096 bytes/ })
  t.throws(() => parseWriteRequest({ id: 'a b', name: 'n', low: '0', mid: '0', high: '1' }), {
    message: /invalid --id "a b"/,
  })
  t.is(parseTokenId('alpha-1.b_c:d'), 'alpha-1.b_c:d')
  t.throws(() => parseTokenId('-x'), { instanceOf: InvalidArgumentError })
  t.throws(() => parseTokenId('x'.repeat(129)), { instanceOf: InvalidArgumentError })
})

test('--timeout and --after take milliseconds or durations; --server takes an access point', (t) => {
  t.is(parseTimeoutMs('5000'), 5000)
  t.is(parseTimeoutMs('1.5s'), 1500)
  t.throws(() => parseTimeoutMs('0'), { instanceOf: UsageError, message: /at least 1 ms/ })
  t.throws(() => parseTimeoutMs('soon'), { instanceOf: UsageError, message: /--timeout: invalid duration "soon"/ })
  t.is(parseAfterMs('0'), 0)
  t.is(parseAfterMs('5s'), 5000)
  t.is(parseAfterMs('2m'), 120_000)
  t.throws(() => parseAfterMs('-1s'), { instanceOf: UsageError })
  t.is(parseServer('127.0.0.1:50051'), '127.0.0.1:50051')
  t.is(parseServer('[::1]:50051'), '[::1]:50051')
  t.throws(() => parseServer('localhost'), { instanceOf: UsageError, message: /malformed --server "localhost"/ })
})

test('readerOrder is a permutation, drawn from the random source', (t) => {
  const readers = ['a', 'b', 'c', 'd']
  const seen = new Set<string>()
  for (let i = 0; i < 200; i++) {
    const order = readerOrder(readers)
    t.deepEqual([...order].sort(), readers)
    seen.add(order.join(''))
  }
  t.true(seen.size > 12, `only ${seen.size} orders seen`)
  t.deepEqual(
    readerOrder(readers, () => 0.999),
    readers,
  )
  t.deepEqual(
    readerOrder(readers, () => 0),
    ['b', 'c', 'd', 'a'],
  )
  t.deepEqual(readers, ['a', 'b', 'c', 'd'], 'the input is not shuffled in place')
})

// ---- command-line parsing --------------------------------------------------------------------------------------

test('options parse into the command; --no-failover is a flag of read only', (t) => {
  const cli = createClientCli()
  const w = cli.process([
    'write',
    '--config',
    'x.yaml',
    '--id',
    '7',
    '--name',
    'n',
    '--low',
    '1',
    '--mid',
    '2',
    '--high',
    '3',
    '--json',
  ])
  t.true(w instanceof WriteCommand)
  t.like(w as WriteCommand, {
    config: 'x.yaml',
    id: '7',
    name: 'n',
    low: '1',
    mid: '2',
    high: '3',
    json: true,
    timeout: '5000',
  })
  const r = cli.process(['read', '--server', '127.0.0.1:1', '--id', '7', '--no-failover', '--timeout', '250'])
  t.like(r as ReadCommand, { server: '127.0.0.1:1', noFailover: true, timeout: '250', json: false })
  t.false((cli.process(['read', '--id', '7']) as ReadCommand).noFailover)
})

test('a command line that does not parse: one stderr line naming the problem, exit 2 (bad input)', async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ['write', '--id', '1', '--server', '127.0.0.1:1'],
      /^tm-client: write needs --name, --low, --mid, --high; see `tm-client write --help`\n$/,
    ],
    [['read'], /^tm-client: read needs --id;/],
    [['status'], /^tm-client: status needs --server;/],
    [['fail-silent', '--server', '127.0.0.1:1'], /^tm-client: fail-silent needs --id;/],
    [['read', '--id', '1', '--frob'], /^tm-client: Unsupported option name \("--frob"\); usage: tm-client read /],
    [['write', '--id', '1', '--no-failover'], /^tm-client: Unsupported option name \("--no-failover"\)/],
    [['frobnicate'], /^tm-client: unknown command or arguments; run `tm-client --help`/],
    [['write', '--id', '1', '--name', 'n', '--low', '-5', '--mid', '1', '--high', '2'], /as --option=value/],
  ]
  for (const [args, stderr] of cases) {
    const run = await runClient(args)
    t.is(run.exitCode, ExitCode.invalidArgument, args.join(' '))
    t.regex(run.stderr, stderr)
    t.is(run.stderr.split('\n').length, 2, `one line: ${run.stderr}`)
    t.is(run.stdout, '')
  }
})

test('a parse failure with --json still owes stdout one JSON object', async (t) => {
  const run = await runClient(['read', '--json'])
  t.is(run.exitCode, 2)
  t.deepEqual(JSON.parse(run.stdout), {
    error: { status: 'USAGE', exit_code: 2, message: 'read needs --id; see `tm-client read --help`' },
  })
})

test('local validation fails before any network use, with its own exit codes', async (t) => {
  const base = ['--server', '127.0.0.1:1', '--id', '1', '--name', 'n']
  const range = await runClient(['write', ...base, '--low', '9', '--mid', '3', '--high', '10'])
  t.is(range.exitCode, ExitCode.invalidArgument)
  t.is(range.stderr, 'tm-client: the range must satisfy low <= mid < high, got --low 9 --mid 3 --high 10\n')
  const big = await runClient([
    'write',
    ...base,
    '--low',
    '0',
    '--mid',
    '3',
    '--high',
    '18446744073709551616',
    '--json',
  ])
  t.is(big.exitCode, ExitCode.invalidArgument)
  t.is(JSON.parse(big.stdout).error.status, 'INVALID_ARGUMENT')
  const noTarget = await runClient(['read', '--id', '1'])
  t.is(noTarget.exitCode, ExitCode.invalidArgument)
  t.regex(noTarget.stderr, /give --config <tokens.yaml> .* or --server <host:port>/)
  const unknown = await runClient(['read', '--config', SCHEME, '--id', 'gamma'])
  t.is(unknown.exitCode, ExitCode.notFound)
  t.regex(unknown.stderr, /token "gamma" is not in the replication scheme .*tokens.yaml \(it has: 1, 2, alpha, beta\)/)
  const missing = await runClient(['create', '--config', '/nonexistent/tokens.yaml', '--id', '1'])
  t.is(missing.exitCode, ExitCode.invalidArgument)
  t.regex(missing.stderr, /^tm-client: \/nonexistent\/tokens.yaml: cannot read the file/)
  const badServer = await runClient(['status', '--server', 'nowhere'])
  t.is(badServer.exitCode, ExitCode.invalidArgument)
  t.regex(badServer.stderr, /malformed --server "nowhere"/)
})

test('--help documents every exit code; each command documents its options', async (t) => {
  const help = await runClient(['--help'])
  t.is(help.exitCode, 0)
  t.true(help.stdout.includes(EXIT_CODES_HELP))
  for (const code of Object.values(ExitCode)) t.regex(EXIT_CODES_HELP, new RegExp(`^  ${code}  `, 'm'))
  for (const command of ['write', 'read', 'create', 'drop', 'fail-silent', 'status'])
    t.true(help.stdout.includes(`tm-client ${command}`))
  const read = await runClient(['read', '--help'])
  t.is(read.exitCode, 0)
  for (const flag of ['--config', '--server', '--timeout', '--json', '--no-failover', 'Exit codes: 0 ok'])
    t.true(read.stdout.includes(flag), flag)
  t.false(read.stdout.includes('\x1b['), 'no colors when not on a terminal')
})

// ---- failures ---------------------------------------------------------------------------------------------------

test("each gRPC status class has its exit code; the node's message is kept on one line", (t) => {
  // As the library leaves a failed call: a typed error, and beside it the node, status and details.
  const rpc = (status: GrpcStatus, details = 'why'): Error =>
    withCallFailure(new UnavailableError(details), {
      node: '127.0.0.1:50052',
      status: GrpcStatus[status],
      details,
      timeoutMs: 5000,
    })
  const expected: [GrpcStatus, ExitCode][] = [
    [GrpcStatus.INVALID_ARGUMENT, 2],
    [GrpcStatus.NOT_FOUND, 4],
    [GrpcStatus.ALREADY_EXISTS, 5],
    [GrpcStatus.FAILED_PRECONDITION, 6],
    [GrpcStatus.DEADLINE_EXCEEDED, 7],
    [GrpcStatus.UNAVAILABLE, 7],
    [GrpcStatus.RESOURCE_EXHAUSTED, 8],
    [GrpcStatus.INTERNAL, 1],
    [GrpcStatus.UNKNOWN, 1],
    [GrpcStatus.CANCELLED, 1],
  ]
  for (const [status, exitCode] of expected) t.is(describeFailure(rpc(status)).exitCode, exitCode, GrpcStatus[status])
  const wrong = describeFailure(
    rpc(GrpcStatus.FAILED_PRECONDITION, 'node 127.0.0.1:50052 is not the writer of token 1;\nwriter: 127.0.0.1:50051'),
  )
  t.deepEqual(wrong, {
    exitCode: 6,
    status: 'FAILED_PRECONDITION',
    message:
      'node 127.0.0.1:50052 is not the writer of token 1; writer: 127.0.0.1:50051 [FAILED_PRECONDITION from 127.0.0.1:50052]',
  })
  // No answer: the library's own account of what it tried is the message.
  t.is(
    describeFailure(rpc(GrpcStatus.DEADLINE_EXCEEDED, 'x did not answer within 5000 ms')).message,
    'x did not answer within 5000 ms',
  )
})

test('local failures: outcome unknown, usage, config, invalid argument, and anything else without a stack', (t) => {
  t.like(describeFailure(new OutcomeUnknownError('outcome unknown: ...', '127.0.0.1:1')), {
    exitCode: 3,
    status: 'OUTCOME_UNKNOWN',
  })
  t.like(describeFailure(new UsageError('bad')), { exitCode: 2, status: 'USAGE', message: 'bad' })
  t.like(describeFailure(new ConfigError('t.yaml', 'oops', { line: 3, column: 1 }, '3 | x\n  | ^')), {
    exitCode: 2,
    message: 't.yaml:3:1: oops',
  })
  t.like(describeFailure(new InvalidArgumentError('no')), { exitCode: 2, status: 'INVALID_ARGUMENT' })
  const odd = describeFailure(new TypeError('x is not a function'))
  t.deepEqual(odd, { exitCode: 1, status: 'INTERNAL', message: 'x is not a function' })
  t.deepEqual(formatFailure(odd, false), { stderr: 'tm-client: x is not a function\n', stdout: '' })
  t.deepEqual(JSON.parse(formatFailure(odd, true).stdout), {
    error: { status: 'INTERNAL', exit_code: 1, message: 'x is not a function' },
  })
})

// ---- output -----------------------------------------------------------------------------------------------------

const version = { seq: '18446744073709551615', epoch: '7' }

test('write output: partial, version, served_by; JSON keeps uint64 as strings', (t) => {
  const reply = { id: '1', partial: { nonce: '42', hash: '9007199254740993' }, version, served_by: '127.0.0.1:50051' }
  t.is(
    formatWrite(writeResult(reply), false),
    `id         1\npartial    nonce 42 hash 9007199254740993\nversion    ${MAX}\nserved_by  127.0.0.1:50051\n`,
  )
  t.deepEqual(JSON.parse(formatWrite(writeResult(reply), true)), {
    id: '1',
    partial: { nonce: '42', hash: '9007199254740993' },
    version: MAX,
    epoch: '7',
    served_by: '127.0.0.1:50051',
  })
  t.regex(formatWrite(writeResult({ ...reply, partial: null }), false), /partial {4}none \(low == mid: empty range\)/)
  t.is(JSON.parse(formatWrite(writeResult({ ...reply, partial: null }), true)).partial, null)
})

test('create/drop output names the version and serving node', (t) => {
  const reply = { id: 'alpha', version: { seq: '3', epoch: '1' }, served_by: '127.0.0.1:50053' }
  t.is(
    formatLifecycle('dropped', lifecycleResult(reply), false),
    'dropped token alpha: version 3, served_by 127.0.0.1:50053\n',
  )
  t.deepEqual(JSON.parse(formatLifecycle('created', lifecycleResult(reply), true)), {
    id: 'alpha',
    version: '3',
    epoch: '1',
    served_by: '127.0.0.1:50053',
  })
})

const readReply: ReadReply = {
  id: '1',
  written: true,
  name: 'alice',
  low: '0',
  mid: '10',
  high: MAX,
  partial: { nonce: '3', hash: '11' },
  final: { nonce: '12', hash: '5' },
  version,
  writer: '127.0.0.1:50051',
  readers: ['127.0.0.1:50051', '127.0.0.1:50052'],
  served_by: '127.0.0.1:50052',
}

test('read output: the full state, one field a line', (t) => {
  const lines = formatRead(readResult(readReply), false).trimEnd().split('\n')
  t.deepEqual(
    lines.map((l) => l.split(/ {2,}/)),
    [
      ['id', '1'],
      ['name', 'alice'],
      ['low', '0'],
      ['mid', '10'],
      ['high', MAX],
      ['partial', 'nonce 3 hash 11'],
      ['final', 'nonce 12 hash 5'],
      ['version', MAX],
      ['writer', '127.0.0.1:50051'],
      ['readers', '127.0.0.1:50051, 127.0.0.1:50052'],
      ['served_by', '127.0.0.1:50052'],
    ],
  )
  t.deepEqual(JSON.parse(formatRead(readResult(readReply), true)), {
    id: '1',
    written: true,
    name: 'alice',
    low: '0',
    mid: '10',
    high: MAX,
    partial: { nonce: '3', hash: '11' },
    final: { nonce: '12', hash: '5' },
    version: MAX,
    epoch: '7',
    writer: '127.0.0.1:50051',
    readers: ['127.0.0.1:50051', '127.0.0.1:50052'],
    served_by: '127.0.0.1:50052',
  })
})

test('read output of a never-written token says it has no value yet', (t) => {
  const empty: ReadReply = {
    ...readReply,
    written: false,
    name: '',
    low: '0',
    mid: '0',
    high: '0',
    partial: null,
    final: null,
    version: { seq: '1', epoch: '7' },
  }
  const text = formatRead(readResult(empty), false)
  t.regex(text, /^token 1 has no value yet \(created, never written\)\n/)
  t.regex(text, /^written +false$/m)
  t.notRegex(text, /name|partial|final/)
  t.like(JSON.parse(formatRead(readResult(empty), true)), {
    written: false,
    name: null,
    low: null,
    partial: null,
    final: null,
    version: '1',
  })
})

test('fail-silent output', (t) => {
  const reply = { node: '127.0.0.1:50053', id: '1', at_ms: '12345' }
  t.is(
    formatFailSilent({ node: reply.node, id: reply.id, atMs: BigInt(reply.at_ms) }, 0, false),
    '127.0.0.1:50053 goes silent for token 1 now (node clock 12345 ms)\n',
  )
  t.is(
    formatFailSilent({ node: reply.node, id: reply.id, atMs: BigInt(reply.at_ms) }, 5000, false),
    '127.0.0.1:50053 goes silent for token 1 in 5000 ms (node clock 12345 ms)\n',
  )
  t.deepEqual(JSON.parse(formatFailSilent({ node: reply.node, id: reply.id, atMs: BigInt(reply.at_ms) }, 5000, true)), {
    node: '127.0.0.1:50053',
    id: '1',
    after_ms: '5000',
    at_ms: '12345',
  })
})

test('status output: an aligned table, or JSON with versions split', (t) => {
  const reply: StatusReply = {
    node: '127.0.0.1:50052',
    scheme_fingerprint: 'abc',
    ignored_replies: '4',
    tokens: [
      {
        id: '1',
        roles: ['reader'],
        silent: false,
        state: { version: { seq: '3', epoch: '9' }, value: { kind: 'token' } },
        pending: 0,
        replicas: 3,
        read_quorum: 2,
        write_quorum: 2,
        writer: '127.0.0.1:50051',
        readers: ['127.0.0.1:50052'],
        committed: true,
        lease_held: true,
        lease_remaining_ms: '812',
        operations: '7',
      },
      {
        id: 'alpha',
        roles: ['writer'],
        silent: true,
        state: null,
        pending: 12,
        replicas: 5,
        read_quorum: 3,
        write_quorum: 3,
        writer: '127.0.0.1:50052',
        readers: ['127.0.0.1:50053'],
        recovering: { answered: 2, ready: 1, others: 4 },
        lease_holders: [
          { node: '127.0.0.1:50051', remaining_ms: '100' },
          { node: '127.0.0.1:50053', remaining_ms: '90' },
        ],
      },
    ],
  }
  t.is(
    formatStatus(nodeStatus(reply), false),
    [
      'node 127.0.0.1:50052  scheme abc  ignored replies 4',
      'ID     ROLES   VERSION  VALUE    SILENT  PENDING  REPLICAS  R/W QUORUM  COMMITTED  FINAL  LEASE       OPS  RECOVERING',
      '1      reader  3        written  no      0        3         2/2         yes        no     held 812ms  7    no',
      'alpha  writer  -        -        yes     12       5         3/3         no         -      2 holders   0    2/4 answered, 1 ready',
      '',
    ].join('\n'),
  )
  const json = JSON.parse(formatStatus(nodeStatus(reply), true))
  t.like(json, { node: '127.0.0.1:50052', ignored_replies: '4' })
  t.like(json.tokens[0], {
    id: '1',
    version: '3',
    epoch: '9',
    value: 'token',
    read_quorum: 2,
    committed: true,
    lease_remaining_ms: '812',
    operations: '7',
  })
  t.like(json.tokens[1], {
    id: 'alpha',
    version: null,
    value: null,
    silent: true,
    pending: 12,
    recovering: { answered: 2, ready: 1, others: 4 },
  })
  t.is(json.tokens[0].recovering, null)
  t.regex(formatStatus(nodeStatus({ ...reply, tokens: [] }), false), /\(no tokens on this node\)/)
})

test('read output escapes a name that would drive the terminal; --json keeps it exact', (t) => {
  const name = 'evil\u001b[2J\u202egnp.exe\nnext'
  const text = formatRead(readResult({ ...readReply, name }), false)
  t.true(text.includes('evil\\x1b[2J\\u202egnp.exe\\x0anext'), text)
  t.false(/[\u001b\u202e]/.test(text))
  t.is(JSON.parse(formatRead(readResult({ ...readReply, name }), true)).name, name)
})

test('fail-silent takes --config like the other commands, and refuses a node that holds no copy of the token', async (t) => {
  const stranger = await runClient([
    'fail-silent',
    '--config',
    SCHEME,
    '--server',
    '127.0.0.1:1',
    '--id',
    '1',
    '--insecure',
  ])
  t.is(stranger.exitCode, 2)
  t.regex(
    stranger.stderr,
    /^tm-client: 127\.0\.0\.1:1 holds no copy of token 1 in .*tokens\.yaml \(its replicas: .*\)\n$/,
  )
  const unknown = await runClient([
    'fail-silent',
    '--config',
    SCHEME,
    '--server',
    '127.0.0.1:1',
    '--id',
    'nope',
    '--insecure',
  ])
  t.regex(unknown.stderr, /token nope is not in the replication scheme/)
})
