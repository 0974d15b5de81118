import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TokenManagerClient } from '../../client/token-manager-client.js'
import type { ReplicationScheme } from '../../core/scheme/replication-scheme.js'
import { ActionInputError, MAX_BODY_BYTES, parseAction } from './action-input.js'
import { ClusterPoller } from './cluster-poller.js'
import { DEFAULT_MAX_STREAMS, EventStream } from './event-stream.js'
import type { RecentOperationsFeed } from './recent-operations.js'
import { checkSameOrigin, hostAllowed, readJsonBody, RefusedRequest } from './request-guards.js'
import { StaticAssets } from './static-assets.js'
import { performAction } from './web-actions.js'

export interface LiveServerOptions {
  /** The client tm-web acts through: its credentials are the page's (the page has no authentication of its own). */
  readonly client: TokenManagerClient
  readonly scheme: ReplicationScheme
  /** Where to listen; port 0 takes a free port. */
  readonly host: string
  readonly port: number
  /** How often every node's Status is asked (500 ms). */
  readonly pollMs?: number
  /** Deadline of each Status call and each action (2000 ms). */
  readonly timeoutMs?: number
  readonly maxStreams?: number
  /** Tokens the grid shows, the first of the scheme (200). */
  readonly maxTokens?: number
  /** Feeds the "last operations" panel; see recent-operations.ts. */
  readonly recentOperations?: RecentOperationsFeed
}

export interface LiveServer {
  readonly url: string
  close(): Promise<void>
}

/** Actions running at once: each holds a client call; more get 503. */
const MAX_ACTIONS_IN_FLIGHT = 16
/** Connections the HTTP server holds at once (event streams included). */
const MAX_CONNECTIONS = 256

/** Starts tm-web's HTTP server: the page, its live snapshot stream, and its actions. */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const stream = new EventStream(options.maxStreams ?? DEFAULT_MAX_STREAMS)
  const poller = makePoller(options, stream)
  const routes = new Routes(options, poller, stream, await StaticAssets.load())
  const server = createServer((req, res) => routes.handle(req, res))
  server.maxConnections = MAX_CONNECTIONS
  server.requestTimeout = 10_000
  server.listen(options.port, options.host)
  await once(server, 'listening')
  poller.start()
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host}:${address.port}/`,
    close: () => closeAll(server, poller, stream),
  }
}

function makePoller(options: LiveServerOptions, stream: EventStream): ClusterPoller {
  const maxTokens = options.maxTokens ?? 200
  const entries = options.scheme.entries
  return new ClusterPoller((node, timeoutMs) => options.client.status(node, { timeoutMs }), {
    nodes: options.scheme.nodes(),
    tokens: entries.slice(0, maxTokens),
    tokenCount: entries.length,
    periodMs: options.pollMs ?? 500,
    timeoutMs: options.timeoutMs ?? 2_000,
    recentOperations: options.recentOperations,
    onSnapshot: (snapshot) => stream.publish(JSON.stringify(snapshot)),
  })
}

async function closeAll(server: Server, poller: ClusterPoller, stream: EventStream): Promise<void> {
  poller.stop()
  stream.close()
  const closed = once(server, 'close')
  server.close()
  server.closeAllConnections()
  await closed
}

class Routes {
  private actionsInFlight = 0

  constructor(
    private readonly options: LiveServerOptions,
    private readonly poller: ClusterPoller,
    private readonly stream: EventStream,
    private readonly assets: StaticAssets,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const bound = { host: this.options.host, port: (req.socket.localPort ?? 0) as number }
    if (!hostAllowed(req, bound)) return replyText(res, 421, 'unexpected Host header')
    const path = new URL(req.url ?? '/', 'http://tm-web').pathname
    if (req.method === 'POST' && path.startsWith('/api/')) {
      void this.action(req, res, path.slice('/api/'.length))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return replyText(res, 405, 'method not allowed')
    if (path === '/events') {
      if (!this.stream.attach(res)) replyText(res, 503, 'too many live pages open; close one and reload')
      return
    }
    if (path === '/api/snapshot') return replyJson(res, 200, this.poller.snapshot())
    if (!this.assets.serve(path, res)) replyText(res, 404, 'not found')
  }

  private async action(req: IncomingMessage, res: ServerResponse, kind: string): Promise<void> {
    if (this.actionsInFlight >= MAX_ACTIONS_IN_FLIGHT) return replyJson(res, 503, refusal('too many actions at once'))
    this.actionsInFlight++
    try {
      checkSameOrigin(req)
      const action = parseAction(kind, await readJsonBody(req, MAX_BODY_BYTES), this.options.scheme)
      const outcome = await performAction(this.options.client, action, this.options.timeoutMs ?? 2_000)
      void this.poller.refresh()
      replyJson(res, outcome.ok ? 200 : 502, outcome)
    } catch (error) {
      // A body refused part way is not read to its end: the connection closes rather than carry its rest.
      if (error instanceof RefusedRequest) return replyJson(res, error.status, refusal(error.message), true)
      if (error instanceof ActionInputError) return replyJson(res, 400, refusal(error.message))
      replyJson(res, 500, refusal('internal error'))
      process.stderr.write(`tm-web: internal error: ${error instanceof Error ? error.stack : String(error)}\n`)
    } finally {
      this.actionsInFlight--
    }
  }
}

function refusal(message: string): object {
  return { ok: false, error: { code: 'refused', message } }
}

function replyJson(res: ServerResponse, status: number, body: object, close = false): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...(close && { Connection: 'close' }),
  })
  res.end(text)
}

function replyText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' })
  res.end(`${text}\n`)
}
