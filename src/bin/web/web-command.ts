import { once } from 'node:events'
import { Command, Option, UsageError } from 'clipanion'
import * as t from 'typanion'
import { TokenManagerClient } from '../../client/token-manager-client.js'
import { InvalidArgumentError } from '../../core/errors.js'
import { parseAccessPoint } from '../../plugins/yaml-config/access-point.js'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import { SecureClientCommand } from '../client/secure-client-command.js'
import { nodeOperationsFeed } from './node-operations-feed.js'
import { startLiveServer } from './live-server.js'

/** tm-web: a live page of a running cluster, served over HTTP, acting through the library client. */
export class WebCommand extends SecureClientCommand {
  static override usage = Command.Usage({
    description: 'Serve a live web page of a running token manager cluster',
    details: `
      Polls every node's Status (one call in flight per node, every --poll ms) and pushes the grid of tokens x nodes
      to the open pages with server-sent events; the page can write, read, and silence a replica for a token. The
      page has no authentication of its own and acts with the credentials tm-web was given: bind it only to a
      trusted interface (the default is 127.0.0.1).
    `,
    examples: [
      ['A plaintext local cluster', '$0 --config config/tokens.yaml --insecure'],
      [
        'With tm-certs certificates, on another port',
        '$0 --config tokens.yaml --certs-dir certs --listen 127.0.0.1:9000',
      ],
    ],
  })

  config = Option.String('--config', { required: true, description: 'Replication scheme (YAML) of the cluster' })
  listen = Option.String('--listen', '127.0.0.1:8080', {
    description: 'Where to serve the page (default 127.0.0.1:8080)',
  })
  poll = Option.String('--poll', '500', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(100, 60_000)]),
    description: 'How often to ask every node its status, in ms (default 500)',
  })
  timeoutMs = Option.String('--timeout', '2000', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, 600_000)]),
    description: 'Deadline of each status call and each action, in ms (default 2000)',
  })
  maxTokens = Option.String('--max-tokens', '200', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, 5_000)]),
    description: 'Tokens the grid shows, the first of the scheme (default 200)',
  })
  async execute(): Promise<number> {
    const listen = listenAddress(this.listen)
    const scheme = loadSchemeFile(this.config)
    const security = this.flagSecurity()
    const client = new TokenManagerClient({ ...security, scheme, timeoutMs: this.timeoutMs })
    try {
      const server = await startLiveServer({
        client,
        scheme,
        ...listen,
        pollMs: this.poll,
        timeoutMs: this.timeoutMs,
        maxTokens: this.maxTokens,
        recentOperations: nodeOperationsFeed(client, scheme, this.timeoutMs),
      })
      this.context.stdout.write(`tm-web: serving ${server.url} for ${scheme.nodes().length} nodes\n`)
      await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')])
      await server.close()
      return 0
    } finally {
      client.close()
    }
  }
}

function listenAddress(text: string): { host: string; port: number } {
  try {
    return parseAccessPoint(text)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`--listen: ${error.message}`)
    throw error
  }
}
