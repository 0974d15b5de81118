import { setTimeout as sleep } from 'node:timers/promises'
import { Option, UsageError } from 'clipanion'
import { NotFoundError } from '../../client/client-errors.js'
import type { TokenManagerClient } from '../../client/token-manager-client.js'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import { ClientCommand } from './client-command.js'
import { historyFile, PROCESS_CLIENT_ID } from './history-recorder.js'
import { parseServer, parseTokenId } from './request-args.js'
import { traceJson, traceText } from './trace-output.js'
import type { Json } from './output.js'
import { traceIdOf } from '../../client/call-trace.js'

/**
 * How long --trace waits before asking the nodes for their spans: a replica that answered after the quorum
 * records its part just before its late answer leaves, a little after the operation completed.
 */
const TRACE_SETTLE_MS = 100

/** What a token command passes the library call: the --server node, and whether to trace. */
export interface TokenCall {
  readonly node?: string
  readonly trace?: boolean
}

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
  trace = Option.Boolean('--trace', false, {
    description: "Record the operation's spans on every node it touches and print them after the result, as a tree",
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

  /**
   * Runs one operation on token `id` and prints its result; with --trace, then fetches the operation's spans from
   * every node of the token (or the --server node) and prints them as one tree (with --json, inside the object).
   */
  protected async operate<R extends { readonly traceId?: string }>(
    id: string,
    operation: (client: TokenManagerClient, call: TokenCall) => Promise<R>,
    format: (result: R, json: boolean) => string,
  ): Promise<void> {
    const node = this.namedNode()
    const call: TokenCall = { ...(node !== undefined && { node }), ...(this.trace && { trace: true }) }
    await this.withClient(id, async (client) => {
      let result: R
      try {
        result = await operation(client, call)
      } catch (error) {
        // A failed operation's trace is the one most wanted: print it, then fail as without --trace.
        const traceId = traceIdOf(error)
        if (traceId !== undefined) await this.printFailedTrace(client, id, node, traceId)
        throw error
      }
      const text = format(result, this.json)
      if (result.traceId === undefined) return this.print(text)
      const traced = await this.spansOf(client, id, node, result.traceId)
      if (!this.json) return this.print(text + traceText(result.traceId, traced))
      this.print(`${JSON.stringify({ ...JSON.parse(text), trace: traceJson(result.traceId, traced) })}\n`)
    })
  }

  /** The operation's spans from every node of the token (or the --server node), once late replies had time. */
  private async spansOf(client: TokenManagerClient, id: string, node: string | undefined, traceId: string) {
    await sleep(TRACE_SETTLE_MS)
    const nodes = node !== undefined || client.scheme === undefined ? [node!] : client.scheme.replicasOf(id)
    return client.traceOf(traceId, nodes)
  }

  /** Human output: the tree on stdout before the error line; --json: the tree goes into the error object. */
  private async printFailedTrace(client: TokenManagerClient, id: string, node: string | undefined, traceId: string) {
    const traced = await this.spansOf(client, id, node, traceId)
    if (this.json) this.failureFields = { trace: traceJson(traceId, traced) as Json }
    else this.print(traceText(traceId, traced))
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
