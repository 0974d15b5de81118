import { Command, Option } from 'clipanion'
import { EXIT_CODES_SHORT } from './exit-codes.js'
import { formatWrite } from './output.js'
import { parseWriteRequest } from './request-args.js'
import { TokenCommand } from './token-command.js'

export class WriteCommand extends TokenCommand {
  static override paths = [['write']]
  static override usage = Command.Usage({
    category: 'Token commands',
    description: 'Write a token: its name and range; the writer computes the partial argmin over [low, mid)',
    details: `
      Sends the write to the token's writer from the scheme (\`--config\`), or to the node \`--server\` names. The
      values are checked before sending: decimal uint64s with low <= mid < high.

      Prints the partial argmin (nonce and hash), the new version and the node that served the write. If the
      deadline passes first, the outcome is unknown (exit 3): the write may or may not have taken effect.

      ${EXIT_CODES_SHORT}
    `,
    examples: [
      [
        'Write token 1 through the scheme',
        '$0 write --config config/tokens.yaml --id 1 --name alice --low 0 --mid 500 --high 1000',
      ],
      [
        'Write to one node, as JSON',
        '$0 write --server 127.0.0.1:50051 --id 1 --name alice --low 0 --mid 0 --high 10 --json',
      ],
    ],
  })

  name = Option.String('--name', { required: true, description: 'The name hashed with each nonce' })
  low = Option.String('--low', { required: true, description: 'Range start (uint64, inclusive)' })
  mid = Option.String('--mid', {
    required: true,
    description: 'End of the partial range [low, mid) the writer computes (uint64)',
  })
  high = Option.String('--high', { required: true, description: 'Range end (uint64, exclusive)' })

  protected async perform(): Promise<void> {
    const request = parseWriteRequest({ id: this.id, name: this.name, low: this.low, mid: this.mid, high: this.high })
    await this.operate(request.id, (client, call) => client.write(request.id, request, call), formatWrite)
  }
}
