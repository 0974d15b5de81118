import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvalidArgumentError } from '../../core/errors.js'
import type { PrometheusMetrics } from './prometheus-metrics.js'

/** Serves a node's metrics to Prometheus: `GET /metrics`, plus `GET /healthz` for probes. */
export class MetricsServer {
  private server: Server | undefined

  constructor(private readonly metrics: PrometheusMetrics) {}

  /** Listens on `host:port` (`[::1]:port` for IPv6; port 0 picks a free one) and returns the bound port. */
  async start(address: string): Promise<number> {
    if (this.server !== undefined) throw new Error('metrics server already started')
    const { host, port } = hostPortOf(address)
    const server = createServer((request, response) => {
      void this.handle(request, response)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    return (server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    // Keep-alive connections from a scraper would otherwise hold the process open.
    server.closeAllConnections()
    await closed
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0]
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'method not allowed\n')
    if (path === '/healthz') return reply(response, 200, 'ok\n')
    if (path !== '/metrics') return reply(response, 404, 'not found\n')
    try {
      reply(response, 200, await this.metrics.text(), this.metrics.registry.contentType)
    } catch (error) {
      reply(response, 500, `metrics failed: ${String(error)}\n`)
    }
  }
}

function reply(
  response: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  response.writeHead(status, { 'content-type': contentType })
  response.end(body)
}

/** Unlike a node's access point, port 0 is allowed here: tests bind an ephemeral port. */
export function hostPortOf(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(address)
  const port = match === null ? NaN : Number(match[3])
  if (match === null || port > 65_535) {
    throw new InvalidArgumentError(`malformed metrics address "${address}": expected host:port such as 127.0.0.1:9464`)
  }
  return { host: match[1] ?? match[2], port }
}
