import { status as GrpcStatus } from '@grpc/grpc-js'
import { Option, UsageError } from 'clipanion'
import type { RegisterOp, RegisterResult } from '../../core/checker/history.js'
import type { TokenScheme } from '../../core/scheme/replication-scheme.js'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import { ClientError } from './client-error.js'
import { ClientCommand } from './client-command.js'
import { ExitCode } from './exit-codes.js'
import { HistoryRecorder, PROCESS_CLIENT_ID } from './history-recorder.js'
import { parseServer, parseTokenId } from './request-args.js'
import { cleanDetails, isOwnDeadline, RpcError } from './rpc-error.js'
import { withTokenClient } from './token-client.js'
import type { TokenClient } from './token-client.js'

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

  /** The node to send a writer-side operation (write, create, drop) to. */
  protected writerNode(id: string): string {
    return this.server !== undefined ? parseServer(this.server) : this.schemeEntry(id).writer
  }

  /** The nodes a read may go to, in scheme order; exactly one with --server. */
  protected readerNodes(id: string): readonly string[] {
    return this.server !== undefined ? [parseServer(this.server)] : this.schemeEntry(id).readers
  }

  /**
   * Runs `call` (sending operation `op` on `token`), recording it into the --history file if one is given. Called
   * after local validation, so a request rejected before sending is never recorded.
   */
  protected recorded<T>(
    token: string,
    op: RegisterOp,
    call: () => Promise<T>,
    resultOf: (reply: T) => RegisterResult,
  ): Promise<T> {
    if (this.history === undefined) return call()
    return new HistoryRecorder(this.history, this.historyClient ?? PROCESS_CLIENT_ID).record(token, op, call, resultOf)
  }

  /**
   * Runs one writer-side call (`what`: write, create, drop). A deadline means the node never confirmed, not that
   * nothing happened: the change may still be applied, so it is reported as an unknown outcome, never retried.
   */
  protected async callWriter<T>(what: string, node: string, call: (client: TokenClient) => Promise<T>): Promise<T> {
    const timeoutMs = this.timeoutMs()
    try {
      return await withTokenClient(node, timeoutMs, call)
    } catch (error) {
      if (!(error instanceof RpcError) || error.status !== GrpcStatus.DEADLINE_EXCEEDED) throw error
      const why = isOwnDeadline(error)
        ? `no confirmation from ${node} within ${timeoutMs} ms`
        : `${node}: ${cleanDetails(error.details)}`
      throw new ClientError(
        `outcome unknown: the ${what} may or may not have taken effect (${why}); read the token to find out`,
        ExitCode.outcomeUnknown,
        'OUTCOME_UNKNOWN',
      )
    }
  }

  private schemeEntry(id: string): TokenScheme {
    if (this.config === undefined) {
      throw new UsageError(
        'give --config <tokens.yaml> to pick the node from the replication scheme, or --server <host:port>',
      )
    }
    const scheme = loadSchemeFile(this.config)
    const entry = scheme.get(id)
    if (entry !== undefined) return entry
    const known = scheme.entries.map((e) => e.token)
    const listed = known.length > 10 ? `${known.slice(0, 10).join(', ')}, ...` : known.join(', ')
    throw new ClientError(
      `token "${id}" is not in the replication scheme ${this.config} (it has: ${listed})`,
      ExitCode.notFound,
      'NOT_FOUND',
    )
  }
}
