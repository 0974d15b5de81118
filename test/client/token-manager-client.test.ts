import test from 'ava'
import {
  CancelledError,
  callFailureOf,
  DeadlineExceededError,
  InvalidArgumentError,
  NotFoundError,
  OutcomeUnknownError,
  startLocalCluster,
  TokenManagerClient,
  UnavailableError,
  WrongNodeForTokenError,
  type HistoryRecord,
} from '../../src/index.js'

test('a local cluster serves a typed client: write, read, create, drop with bigint fields', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a', 'b'] })
  t.teardown(() => cluster.close())
  const client = cluster.client()
  const written = await client.write('a', { name: 'alpha', low: 0n, mid: 10n, high: 20n })
  t.is(written.id, 'a')
  t.is(typeof written.partial?.nonce, 'bigint')
  t.true(written.partial!.nonce >= 0n && written.partial!.nonce < 10n)
  t.true(written.version.seq >= 1n)
  const read = await client.read('a')
  t.true(read.written)
  t.deepEqual([read.name, read.low, read.mid, read.high], ['alpha', 0n, 10n, 20n])
  t.true(read.final!.hash <= read.partial!.hash, 'final is the argmin over the wider range')
  t.true(cluster.nodes.includes(read.servedBy))
  await client.drop('b')
  await t.throwsAsync(client.read('b'), { instanceOf: NotFoundError })
  await client.create('b')
  const fresh = await client.read('b')
  t.false(fresh.written)
  t.is(fresh.low, undefined)
})

test('uint64 values beyond 2^53 survive the round trip exactly', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['big'] })
  t.teardown(() => cluster.close())
  const client = cluster.client()
  const low = 2n ** 64n - 40n
  await client.write('big', { name: 'x', low, mid: low + 8n, high: 2n ** 64n - 1n })
  const read = await client.read('big')
  t.is(read.low, low)
  t.is(read.high, 2n ** 64n - 1n)
})

test('a token outside the scheme, and a bad domain, are refused with typed errors', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a'] })
  t.teardown(() => cluster.close())
  const client = cluster.client()
  await t.throwsAsync(client.read('nope'), {
    instanceOf: NotFoundError,
    message: /not in this client's replication scheme/,
  })
  await t.throwsAsync(client.write('a', { name: 'x', low: 5n, mid: 3n, high: 9n }), {
    instanceOf: InvalidArgumentError,
  })
  await t.throwsAsync(client.status('127.0.0.1:1'), {
    instanceOf: InvalidArgumentError,
    message: /not a node of this client's/,
  })
})

test('a client whose scheme names another writer gets WrongNodeError naming the nodes its scheme expects', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a'] })
  t.teardown(() => cluster.close())
  const wrongWriter = cluster.nodes[1]!
  const client = new TokenManagerClient({
    insecure: true,
    scheme: [{ token: 'a', writer: wrongWriter, readers: cluster.nodes }],
  })
  t.teardown(() => client.close())
  const error = await t.throwsAsync(client.write('a', { name: 'x', low: 0n, mid: 1n, high: 2n }), {
    instanceOf: WrongNodeForTokenError,
  })
  t.is(error?.node, wrongWriter)
  t.deepEqual(error?.expected, [wrongWriter])
})

test('a read fails over when a reader is silent for the token; status shows the silence', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a'] })
  t.teardown(() => cluster.close())
  const client = cluster.client({ readAttemptMs: 300 })
  await client.write('a', { name: 'x', low: 0n, mid: 1n, high: 4n })
  const silent = cluster.nodes[2]!
  await client.failSilent(silent, 'a')
  const status = await client.status(silent)
  t.true(status.tokens.find((token) => token.id === 'a')!.silent)
  // Every reader is tried in turn: 12 reads all succeed though one of three readers never answers.
  const servedBy = new Set<string>()
  for (let i = 0; i < 12; i++) servedBy.add((await client.read('a')).servedBy)
  t.false(servedBy.has(silent))
})

test('a write to a writer silent for the token has an unknown outcome; aborting a read cancels it', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a'] })
  t.teardown(() => cluster.close())
  const client = cluster.client()
  const writer = cluster.scheme[0]!.writer
  await client.failSilent(writer, 'a')
  const error = await t.throwsAsync(client.write('a', { name: 'x', low: 0n, mid: 1n, high: 2n }, { timeoutMs: 300 }), {
    instanceOf: OutcomeUnknownError,
  })
  t.is(error?.node, writer)
  const controller = new AbortController()
  const reading = client.read('a', { signal: controller.signal, timeoutMs: 60_000 })
  controller.abort()
  await t.throwsAsync(reading, { instanceOf: CancelledError })
})

test('a stopped cluster is unavailable to reads; the history hook records each operation for tm-check', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a'] })
  const records: HistoryRecord[] = []
  const client = cluster.client({
    onHistory: (record) => records.push(record),
    clientId: 'c1',
    timeoutMs: 1_000,
    readAttemptMs: 200,
  })
  await client.write('a', { name: 'x', low: 0n, mid: 1n, high: 2n })
  await client.read('a')
  await cluster.close()
  const offline = new TokenManagerClient({
    insecure: true,
    scheme: cluster.scheme,
    timeoutMs: 1_000,
    readAttemptMs: 200,
    onHistory: (record) => records.push(record),
    clientId: 'c2',
  })
  t.teardown(() => offline.close())
  await t.throwsAsync(offline.read('a'), { instanceOf: UnavailableError })
  t.deepEqual(
    records.map((r) => `${r.client} ${r.type}`),
    ['c1 invoke', 'c1 ok', 'c1 invoke', 'c1 ok', 'c2 invoke', 'c2 failed'],
  )
  const readResult = records[3]!
  t.deepEqual(readResult.type === 'ok' && readResult.result, { kind: 'value', value: 'x|0|1|2' })
})

test('a client must say how it reaches the nodes: TLS or insecure', (t) => {
  t.throws(
    () =>
      new TokenManagerClient({ scheme: [{ token: 'a', writer: '127.0.0.1:1', readers: ['127.0.0.1:1'] }] } as never),
    { instanceOf: InvalidArgumentError, message: /tls .* or insecure: true/ },
  )
})

test('a client built from a node list asks the node each call names, and refuses a call that names none', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a'] })
  t.teardown(() => cluster.close())
  const writer = cluster.scheme[0]!.writer
  const client = new TokenManagerClient({ insecure: true, nodes: cluster.nodes })
  t.teardown(() => client.close())
  await client.write('a', { name: 'n', low: 0n, mid: 1n, high: 3n }, { node: writer })
  const read = await client.read('a', { node: cluster.nodes[1]! })
  t.is(read.servedBy, cluster.nodes[1]!)
  t.is(read.writer, writer)
  t.deepEqual([...read.readers], [...cluster.nodes])
  await t.throwsAsync(client.read('a'), { instanceOf: NotFoundError, message: /no replication scheme/ })
  await t.throwsAsync(client.read('a', { node: '127.0.0.1:1' }), { instanceOf: InvalidArgumentError })
  const status = await client.status(writer)
  t.is(status.tokens[0]!.value, 'written')
  t.is(typeof status.ignoredReplies, 'bigint')
})

test('callFailureOf says which node ended a call with which status; a read names each reader it tried', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a'] })
  t.teardown(() => cluster.close())
  const client = cluster.client({ readAttemptMs: 200 })
  await client.write('a', { name: 'x', low: 0n, mid: 1n, high: 2n })
  for (const node of cluster.nodes) await client.failSilent(node, 'a')
  const retries: string[] = []
  const error = await t.throwsAsync(client.read('a', { timeoutMs: 5_000, onRetry: (_, next) => retries.push(next) }), {
    instanceOf: DeadlineExceededError,
    message: /^no reader answered for token a \(3 tried\): .* did not answer within 200 ms/,
  })
  t.is(retries.length, 2)
  t.is(callFailureOf(error)?.status, 'DEADLINE_EXCEEDED')
  const once = await t.throwsAsync(client.read('a', { failover: false, attemptMs: 100 }))
  t.regex(once?.message ?? '', /^read of token a: 127\.0\.0\.1:\d+ did not answer within 100 ms$/)
  const missing = new TokenManagerClient({ insecure: true, nodes: ['127.0.0.1:1'], timeoutMs: 2_000 })
  t.teardown(() => missing.close())
  const refused = await t.throwsAsync(
    missing.write('a', { name: 'x', low: 0n, mid: 1n, high: 2n }, { node: '127.0.0.1:1' }),
  )
  t.true(refused instanceof UnavailableError, 'a write never sent is not an unknown outcome')
  t.like(callFailureOf(refused), { node: '127.0.0.1:1', status: 'UNAVAILABLE' })
})

test('status carries committed, final, leases and the operations each node coordinated', async (t) => {
  const cluster = await startLocalCluster({ nodes: 3, tokens: ['a'] })
  t.teardown(() => cluster.close())
  const client = cluster.client()
  const writer = cluster.scheme[0]!.writer
  const reader = cluster.nodes.find((node) => node !== writer)!
  await client.write('a', { name: 'alpha', low: 0n, mid: 10n, high: 20n })
  const atWriter = (await client.status(writer)).tokens[0]!
  t.like(atWriter, { committed: true, finalComputed: false, operations: 1n })
  // Each read at the reader asks for a lease until it holds one; the lease lasts 1 s, so a few reads find it held.
  const deadlineMs = Date.now() + 10_000
  let atReader = (await client.status(reader)).tokens[0]!
  while (atReader.leaseRemainingMs === undefined && Date.now() < deadlineMs) {
    await client.read('a', { node: reader })
    atReader = (await client.status(reader)).tokens[0]!
  }
  t.not(atReader.leaseRemainingMs, undefined, 'the reader came to hold a lease')
  t.true(atReader.leaseRemainingMs! <= 1_000n)
  t.like(atReader, { committed: true, finalComputed: true })
  t.true(atReader.operations >= 1n)
  const holders = (await client.status(writer)).tokens[0]!.leaseHolders
  t.true(
    holders.some((h) => h.node === reader),
    'the writer counts the reader among the holders',
  )
})
