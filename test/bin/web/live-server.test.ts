import { request as httpRequest, type IncomingMessage } from 'node:http'
import test from 'ava'
import type { NodeStatus } from '../../../src/client/admin-results.js'
import type { TokenManagerClient } from '../../../src/client/token-manager-client.js'
import { UnavailableError } from '../../../src/core/errors.js'
import { ReplicationScheme } from '../../../src/core/scheme/replication-scheme.js'
import { startLiveServer } from '../../../src/bin/web/live-server.js'

const A = '127.0.0.1:1'
const B = '127.0.0.1:2'
const scheme = new ReplicationScheme([{ token: 'T', writer: A, readers: [A, B] }])

function statusOf(node: string, operations: bigint): NodeStatus {
  const token = {
    id: 'T',
    roles: node === A ? ['writer', 'reader', 'replica'] : ['reader', 'replica'],
    silent: false,
    version: { seq: 3n, epoch: 7n },
    value: 'written',
    pending: 0,
    replicas: 2,
    readQuorum: 1,
    writeQuorum: 2,
    writer: A,
    readers: [A, B],
    recovering: undefined,
    committed: true,
    finalComputed: node === A,
    leaseHolders: node === A ? [{ node: B, remainingMs: 400n }] : [],
    leaseRemainingMs: node === B ? 400n : undefined,
    operations,
  }
  return { node, schemeFingerprint: 'f', ignoredReplies: 0n, tokens: [token] } as NodeStatus
}

/** A client stub: A answers Status, B's Status never answers (one call must stay its only call). */
function stubClient() {
  const calls = new Map<string, number>()
  let ops = 0n
  const client = {
    status: (node: string) => {
      calls.set(node, (calls.get(node) ?? 0) + 1)
      if (node === B) return new Promise<NodeStatus>(() => {})
      ops += 5n
      return Promise.resolve(statusOf(node, ops))
    },
    failSilent: (node: string, id: string) => Promise.resolve({ node, id, atMs: 12n }),
    write: () => Promise.reject(new UnavailableError('writer 127.0.0.1:1 unreachable')),
  }
  return { client: client as unknown as TokenManagerClient, calls }
}

async function start(t: any, options: { maxStreams?: number } = {}) {
  const stub = stubClient()
  const server = await startLiveServer({
    client: stub.client,
    scheme,
    host: '127.0.0.1',
    port: 0,
    pollMs: 50,
    timeoutMs: 200,
    ...options,
  })
  t.teardown(() => server.close())
  return { ...stub, url: new URL(server.url) }
}

interface Reply {
  readonly status: number
  readonly body: string
  readonly res: IncomingMessage
}

function call(
  url: URL,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; keepOpen?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        if (options.keepOpen === true) return resolve({ status: res.statusCode!, body: '', res })
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode!, body, res }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

const json = { 'Content-Type': 'application/json' }

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

test('the snapshot shows every node, a hanging node as unreachable, and one Status call in flight per node', async (t) => {
  const { url, calls } = await start(t)
  await until(() => (calls.get(A) ?? 0) >= 5, 'five polls of A')
  t.is(calls.get(B), 1, 'B never answered: no second call was sent')
  await until(async () => JSON.parse((await call(url, '/api/snapshot')).body).tokens[0].opsPerSec > 0, 'a rate')
  const snapshot = JSON.parse((await call(url, '/api/snapshot')).body)
  t.like(snapshot.nodes[0], { node: A, reachable: true, error: null })
  t.like(snapshot.nodes[1], { node: B, reachable: false, error: 'not polled yet' })
  t.like(snapshot.tokens[0].cells[A], { writer: true, version: '3', committed: true, final: true, leaseHolders: [B] })
  t.is(snapshot.tokens[0].cells[B], null)
  t.is(snapshot.operations, null, 'no operations feed')
})

test('event streams are bounded: past the bound a page gets 503; each stream starts with the latest snapshot', async (t) => {
  const { url, calls } = await start(t, { maxStreams: 2 })
  await until(() => (calls.get(A) ?? 0) >= 3, 'a few polls')
  const first = await call(url, '/events', { keepOpen: true })
  const second = await call(url, '/events', { keepOpen: true })
  t.teardown(() => {
    for (const stream of [first, second]) stream.res.destroy()
  })
  t.is(first.status, 200)
  t.is(first.res.headers['content-type'], 'text/event-stream; charset=utf-8')
  const third = await call(url, '/events')
  t.is(third.status, 503)
  const text = await new Promise<string>((resolve) => {
    let seen = ''
    first.res.setEncoding('utf8')
    first.res.on('data', (chunk: string) => {
      seen += chunk
      if (seen.includes('event: snapshot\ndata: {')) resolve(seen)
    })
  })
  t.regex(text, /^retry: 1000\n\n/)
  first.res.destroy()
  await until(async () => {
    const again = await call(url, '/events', { keepOpen: true })
    again.res.destroy()
    return again.status === 200
  }, 'a freed slot')
})

test('actions take only same-origin JSON bodies within the size bound, addressed to a loopback name', async (t) => {
  const { url } = await start(t)
  const body = JSON.stringify({ token: 'T', node: B })
  t.is((await call(url, '/api/fail-silent', { method: 'POST', body })).status, 415)
  const crossSite = { ...json, Origin: 'http://evil.example' }
  t.is((await call(url, '/api/fail-silent', { method: 'POST', headers: crossSite, body })).status, 403)
  const rebound = { ...json, Host: `evil.example:${url.port}` }
  t.is((await call(url, '/api/fail-silent', { method: 'POST', headers: rebound, body })).status, 421)
  t.is((await call(url, '/', { headers: { Host: `evil.example:${url.port}` } })).status, 421)
  const huge = JSON.stringify({ token: 'T', name: 'x'.repeat(64 * 1024) })
  t.is((await call(url, '/api/write', { method: 'POST', headers: json, body: huge })).status, 413)
  const bad = await call(url, '/api/write', { method: 'POST', headers: json, body: '{"token":"T","low":1}' })
  t.is(bad.status, 400)
  t.regex(JSON.parse(bad.body).error.message, /name must be a string/)
  t.is((await call(url, '/api/fail-silent', { method: 'POST', headers: json, body: '{' })).status, 400)
  const sameOrigin = { ...json, Origin: url.origin }
  const ok = await call(url, '/api/fail-silent', { method: 'POST', headers: sameOrigin, body })
  t.is(ok.status, 200)
  t.like(JSON.parse(ok.body), { ok: true, action: 'fail-silent', result: { node: B, atMs: '12' } })
})

test("the cluster's refusal of an action is its outcome, with the library's error code", async (t) => {
  const { url } = await start(t)
  const body = JSON.stringify({ token: 'T', name: 'n', low: '0', mid: '1', high: '2' })
  const reply = await call(url, '/api/write', { method: 'POST', headers: json, body })
  t.is(reply.status, 502)
  t.like(JSON.parse(reply.body), {
    ok: false,
    error: { code: 'unavailable', message: 'writer 127.0.0.1:1 unreachable' },
  })
})

test('the page, its script and its style are served with a strict content security policy; nothing else is', async (t) => {
  const { url } = await start(t)
  const page = await call(url, '/')
  t.is(page.status, 200)
  t.regex(page.body, /<script type="module" src="\/app.js">/)
  t.regex(String(page.res.headers['content-security-policy']), /script-src 'self'/)
  t.is((await call(url, '/app.js')).res.headers['content-type'], 'text/javascript; charset=utf-8')
  t.is((await call(url, '/style.css')).status, 200)
  t.is((await call(url, '/../package.json')).status, 404)
  t.is((await call(url, '/', { method: 'DELETE' })).status, 405)
})
