import { Command } from 'clipanion'
import { EXIT_CODES_SHORT } from './exit-codes.js'
import { formatLifecycle } from './output.js'
import { TokenCommand } from './token-command.js'

export class CreateCommand extends TokenCommand {
  static override paths = [['create']]
  static override usage = Command.Usage({
    category: 'Token commands',
    description: 'Create a token (again): it exists with no value until written',
    details: `
      Sent to the token's writer. Fails with exit 5 when the token already exists; a deadline leaves the outcome
      unknown (exit 3).

      ${EXIT_CODES_SHORT}
    `,
    examples: [['Create token 1', '$0 create --config config/tokens.yaml --id 1']],
  })

  protected async perform(): Promise<void> {
    const id = this.tokenId()
    await this.operate(
      id,
      (client, call) => client.create(id, call),
      (result, json) => formatLifecycle('created', result, json),
    )
  }
}
