import { Command, Option } from 'clipanion'
import { withAdminClient } from './admin-client.js'
import { ClientCommand } from './client-command.js'
import { EXIT_CODES_SHORT } from './exit-codes.js'
import { formatStatus } from './output.js'
import { parseServer } from './request-args.js'

export class StatusCommand extends ClientCommand {
  static override paths = [['status']]
  static override usage = Command.Usage({
    category: 'Admin commands',
    description: 'Show one node\'s tokens: roles, version, silence, pending operations and quorum sizes',
    details: `
      Calls AdminService.Status on the node \`--server\` names and prints a table, or one JSON object with
      \`--json\`. VALUE is \`-\` where the node stores no copy (a writer that is not a reader).

      ${EXIT_CODES_SHORT}
    `,
    examples: [['Status of one node', '$0 status --server 127.0.0.1:50051']],
  })

  server = Option.String('--server', { required: true, description: 'The node to ask (host:port)' })

  protected async perform(): Promise<void> {
    const node = parseServer(this.server)
    const reply = await withAdminClient(node, this.timeoutMs(), (client) => client.status())
    this.print(formatStatus(reply, this.json))
  }
}
