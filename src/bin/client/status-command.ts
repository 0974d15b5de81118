import { Command, Option, UsageError } from 'clipanion'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import { ClientCommand } from './client-command.js'
import { clusterExitCode, queryClusterStatus } from './cluster-status.js'
import { EXIT_CODES_SHORT, ExitCode } from './exit-codes.js'
import { formatClusterStatus, formatStatus } from './output.js'
import { parseServer } from './request-args.js'

export class StatusCommand extends ClientCommand {
  static override paths = [['status']]
  static override usage = Command.Usage({
    category: 'Admin commands',
    description:
      'Show the tokens of one node, or of every node of the scheme: roles, version, silence, pending operations, quorum sizes',
    details: `
      With \`--server\`, calls AdminService.Status on that node and prints a table, or one JSON object with \`--json\`.
      VALUE is \`-\` where the node stores no copy (a writer that is not a reader).

      With \`--config\`, asks every node the scheme file names, in parallel, each within \`--timeout\`, and prints one
      section per node; a node that does not answer shows as \`unreachable (<reason>)\` instead of failing the command.
      With \`--json\` it prints \`{"nodes": [{"node": ..., "ok": true, ...status} or {"node": ..., "ok": false,
      "error": ...}]}\`. Exit code 0 when every node answered, 7 (no answer) when any node did not.

      ${EXIT_CODES_SHORT}
    `,
    examples: [
      ['Status of one node', '$0 status --server 127.0.0.1:50051'],
      ['Status of every node of the scheme, as JSON', '$0 status --config tokens.yaml --json'],
    ],
  })

  server = Option.String('--server', { description: 'The one node to ask (host:port)' })
  config = Option.String('--config', { description: 'Ask every node of this replication scheme (tokens.yaml)' })

  private outcome: ExitCode = ExitCode.ok

  override async execute(): Promise<number> {
    const code = await super.execute()
    return code === ExitCode.ok ? this.outcome : code
  }

  protected async perform(): Promise<void> {
    if (this.server === undefined && this.config === undefined) {
      throw new UsageError(
        'status needs --server; give --server <host:port> for one node, ' +
          'or --config <tokens.yaml> for every node of the scheme',
      )
    }
    if (this.server !== undefined && this.config !== undefined)
      throw new UsageError('status takes --server or --config, not both')
    if (this.server !== undefined) await this.oneNode(parseServer(this.server))
    else await this.everyNode(this.config ?? '')
  }

  private async oneNode(node: string): Promise<void> {
    const client = this.client({ nodes: [node] })
    try {
      this.print(formatStatus(await client.status(node), this.json))
    } finally {
      client.close()
    }
  }

  private async everyNode(config: string): Promise<void> {
    const nodes = loadSchemeFile(config).nodes()
    const client = this.client({ nodes })
    const statuses = await queryClusterStatus(client, nodes, this.timeoutMs()).finally(() => client.close())
    this.print(formatClusterStatus(statuses, this.json))
    const failed = statuses.filter((s) => !s.ok).length
    if (failed > 0) this.notice(`${failed} of ${nodes.length} nodes did not answer`)
    this.outcome = clusterExitCode(statuses)
  }
}
