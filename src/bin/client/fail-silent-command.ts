import { Command, Option } from 'clipanion'
import { withAdminClient } from './admin-client.js'
import { ClientCommand } from './client-command.js'
import { EXIT_CODES_SHORT } from './exit-codes.js'
import { formatFailSilent } from './output.js'
import { parseAfterMs, parseServer, parseTokenId } from './request-args.js'

export class FailSilentCommand extends ClientCommand {
  static override paths = [['fail-silent']]
  static override usage = Command.Usage({
    category: 'Admin commands',
    description: 'Make one node crash-stop for one token, now or after a delay',
    details: `
      Calls AdminService.FailSilent on the node \`--server\` names: from then on it never answers anything about
      the token again. \`--after\` takes a duration such as 5s, 1500ms or 2m (default: now).

      ${EXIT_CODES_SHORT}
    `,
    examples: [
      ['Silence 127.0.0.1:50053 for token 1 in 5 seconds', '$0 fail-silent --server 127.0.0.1:50053 --id 1 --after 5s'],
    ],
  })

  server = Option.String('--server', { required: true, description: 'The node to silence (host:port)' })
  id = Option.String('--id', { required: true, description: 'The token it goes silent for' })
  after = Option.String('--after', '0', { description: 'Delay before the silence: 5s, 1500ms, 2m, or milliseconds' })

  protected async perform(): Promise<void> {
    const node = parseServer(this.server)
    const id = parseTokenId(this.id)
    const afterMs = parseAfterMs(this.after)
    const reply = await withAdminClient(node, this.timeoutMs(), (client) => client.failSilent(id, afterMs))
    this.print(formatFailSilent(reply, afterMs, this.json))
  }
}
