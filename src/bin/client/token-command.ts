import { Option, UsageError } from 'clipanion'
import { NotFoundError } from '../../client/client-errors.js'
import type { TokenManagerClient } from '../../client/token-manager-client.js'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import { ClientCommand } from './client-command.js'
import { historyFile, PROCESS_CLIENT_ID } from './history-recorder.js'
import { parseServer, parseTokenId } from './request-args.js'

/** A command about one token, sent to the node the scheme names for it, or to exactly the node --server names. */
export abstract class TokenCommand extends ClientCommand {
  id = Option.String('--id', { required: true, description: 'The token id' })
  config = Option.String('--config', {
    description: "The replication scheme (tokens.yaml) that names the token's writer and readers",
  })
  server = Option.String('--server', {
    description: 'Contact exactly this node (host:port) instead of the one the scheme picks',
  })
  history = Option.String('--history', {
    description: "Append the operation's invoke and completion as JSON lines to this file, for tm-check",
  })
  historyClient = Option.String('--client', {
    description: 'The client name recorded with --history (default: one per process)',
  })

  protected tokenId(): string {
    return parseTokenId(this.id)
  }

  /** The node --server names, for the call's `node` option; undefined to let the scheme pick. */
  protected namedNode(): string | undefined {
    return this.server === undefined ? undefined : parseServer(this.server)
  }

  /**
   * Runs `use` with a library client for token `id`: routed by the scheme of --config, or to --server alone. The
   * token is checked against the scheme first, so a request refused locally is never sent nor recorded.
   */
  protected async withClient<T>(id: string, use: (client: TokenManagerClient) => Promise<T>): Promise<T> {
    const node = this.namedNode()
    if (node === undefined) this.checkInScheme(id)
    const client = this.client({
      ...(node === undefined && { scheme: this.config! }),
      ...(node !== undefined && { nodes: [node] }),
      ...(this.history !== undefined && {
        history: historyFile(this.history, this.historyClient ?? PROCESS_CLIENT_ID),
      }),
    })
    try {
      return await use(client)
    } finally {
      client.close()
    }
  }

  private checkInScheme(id: string): void {
    if (this.config === undefined) {
      throw new UsageError(
        'give --config <tokens.yaml> to pick the node from the replication scheme, or --server <host:port>',
      )
    }
    const scheme = loadSchemeFile(this.config)
    if (scheme.get(id) !== undefined) return
    const known = scheme.entries.map((e) => e.token)
    const listed = known.length > 10 ? `${known.slice(0, 10).join(', ')}, ...` : known.join(', ')
    throw new NotFoundError(`token "${id}" is not in the replication scheme ${this.config} (it has: ${listed})`)
  }
}
