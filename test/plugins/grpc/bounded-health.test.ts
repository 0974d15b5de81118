import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import test from 'ava'
import { protoPath as healthProto } from 'grpc-health-check'
import { BoundedHealth } from '../../../src/plugins/grpc/bounded-health.js'

const Health = (
  grpc.loadPackageDefinition(
    protoLoader.loadSync(healthProto, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }),
  ) as any
).grpc.health.v1.Health

async function serve(health: BoundedHealth): Promise<{ client: any; connect: () => any; stop: () => void }> {
  const server = new grpc.Server()
  health.addToServer(server)
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  )
  const clients: grpc.Client[] = []
  const connect = (): any => {
    // A channel of its own: a fresh connection, not the shared subchannel of an equal one.
    const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    })
    clients.push(client)
    return client
  }
  const client = connect()
  return {
    client,
    connect,
    stop: () => {
      for (const c of clients) c.close()
      server.forceShutdown()
    },
  }
}

/** Opens a Watch on `service` and resolves with its first status, or with the error that ended it. */
function firstStatus(
  client: any,
  service: string,
): Promise<{ call: grpc.ClientReadableStream<any>; status?: string; code?: number; details?: string }> {
  const call = client.Watch({ service }) as grpc.ClientReadableStream<any>
  return new Promise((resolve) => {
    call.once('data', (reply: { status: string }) => resolve({ call, status: reply.status }))
    call.once('error', (error: grpc.ServiceError) => resolve({ call, code: error.code, details: error.details }))
  })
}

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

test('watching 2,000 distinct unknown names keeps no entry and no watcher for any of them', async (t) => {
  const health = new BoundedHealth(new Set(['', 'svc']))
  const { connect, stop } = await serve(health)
  t.teardown(stop)
  for (let batch = 0; batch < 20; batch++) {
    // A connection per batch: Node's HTTP/2 server closes a session whose client resets streams rapidly.
    const client = connect()
    const opened = await Promise.all(
      Array.from({ length: 100 }, (_, i) => firstStatus(client, `unknown-${batch}-${i}-${'u'.repeat(1000)}`)),
    )
    t.deepEqual(
      opened.filter((o) => o.status !== 'SERVICE_UNKNOWN').map((o) => `${o.code} ${o.details}`),
      [],
    )
    for (const { call } of opened) call.cancel()
  }
  t.is(health.watchers, 0)
  t.is(health.watchedNames, 0)
})

test('a watcher of a known name gets every change, and is forgotten once its client leaves', async (t) => {
  const health = new BoundedHealth(new Set(['', 'svc']))
  health.setStatus('svc', 'NOT_SERVING')
  const { client, stop } = await serve(health)
  t.teardown(stop)
  const { call, status } = await firstStatus(client, 'svc')
  t.is(status, 'NOT_SERVING')
  t.is(health.watchers, 1)
  const next = new Promise((resolve) => call.once('data', (reply: { status: string }) => resolve(reply.status)))
  health.setStatus('svc', 'SERVING')
  t.is(await next, 'SERVING')
  call.cancel()
  await until(() => health.watchers === 0)
  t.is(health.watchers, 0)
  t.is(health.watchedNames, 0)
})

test('open watchers are bounded: one more is refused with RESOURCE_EXHAUSTED, and a freed slot is reusable', async (t) => {
  const health = new BoundedHealth(new Set(['svc']), 3)
  health.setStatus('svc', 'SERVING')
  const { client, stop } = await serve(health)
  t.teardown(stop)
  const open = await Promise.all([1, 2, 3].map(() => firstStatus(client, 'svc')))
  t.true(open.every((o) => o.status === 'SERVING'))
  const refused = await firstStatus(client, 'svc')
  t.is(refused.code, grpc.status.RESOURCE_EXHAUSTED)
  open[0]!.call.cancel()
  await until(() => health.watchers === 2)
  const again = await firstStatus(client, 'svc')
  t.is(again.status, 'SERVING')
  for (const { call } of [...open, again]) call.cancel()
})

test('Check answers known names and NOT_FOUND for others, quoting at most a short escaped prefix', async (t) => {
  const health = new BoundedHealth(new Set(['', 'svc']))
  health.setStatus('', 'SERVING')
  const { client, stop } = await serve(health)
  t.teardown(stop)
  const check = (service: string): Promise<{ status?: string; error?: grpc.ServiceError }> =>
    new Promise((resolve) =>
      client.Check({ service }, (error: grpc.ServiceError | null, reply: { status: string }) =>
        resolve(error ? { error } : { status: reply.status }),
      ),
    )
  t.is((await check('')).status, 'SERVING')
  t.is((await check('svc')).error?.code, grpc.status.NOT_FOUND, 'a known name without a status yet')
  const unknown = await check(`\u001b[2J${'x'.repeat(100_000)}`)
  t.is(unknown.error?.code, grpc.status.NOT_FOUND)
  t.true(unknown.error!.details.length < 200)
  t.notRegex(unknown.error!.details, /\u001b/)
  t.throws(() => health.setStatus('other', 'SERVING'), { message: /not one of this node's health names/ })
})

/** 10^5 derived names, one of them silent: computed when asked, never stored. */
function derivedTokens(silent: Set<string>) {
  const prefix = 'token/'
  return {
    size: 100_000,
    has: (name: string) => name.startsWith(prefix) && Number(name.slice(prefix.length)) < 100_000,
    status: (name: string) => (silent.has(name) ? ('NOT_SERVING' as const) : ('SERVING' as const)),
    names: function* () {
      for (let i = 0; i < 100_000; i++) yield `${prefix}${i}`
    },
  }
}

test('derived names answer Check and Watch from their source, and a watcher hears only changes', async (t) => {
  const silent = new Set<string>()
  const health = new BoundedHealth(new Set(['']), 8, derivedTokens(silent))
  const { client, stop } = await serve(health)
  t.teardown(stop)
  const check = (service: string) =>
    new Promise<string>((resolve) =>
      client.Check({ service }, (error: grpc.ServiceError | null, reply: any) =>
        resolve(error ? `code ${error.code}` : reply.status),
      ),
    )
  t.is(await check('token/7'), 'SERVING')
  t.is(await check('token/100000'), `code ${grpc.status.NOT_FOUND}`)
  const { call, status } = await firstStatus(client, 'token/7')
  t.is(status, 'SERVING')
  const heard: string[] = []
  call.on('data', (reply: { status: string }) => heard.push(reply.status))
  health.refreshDerived()
  silent.add('token/7')
  health.refreshDerived()
  health.refreshDerived()
  await until(() => heard.length > 0)
  t.is(await check('token/7'), 'NOT_SERVING')
  t.deepEqual(heard, ['NOT_SERVING'])
  call.cancel()
  await until(() => health.watchers === 0)
  t.is(health.watchedNames, 0)
})

test('List refuses when derived names would make the answer longer than 100 services', async (t) => {
  const health = new BoundedHealth(new Set(['']), 8, derivedTokens(new Set()))
  health.setStatus('', 'SERVING')
  const { client, stop } = await serve(health)
  t.teardown(stop)
  const code = await new Promise<number | undefined>((resolve) =>
    client.List({}, (error: grpc.ServiceError | null) => resolve(error?.code)),
  )
  t.is(code, grpc.status.RESOURCE_EXHAUSTED)
})
