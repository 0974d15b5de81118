import { Command } from 'clipanion'
import { EXIT_CODES_SHORT } from './exit-codes.js'
import { formatLifecycle } from './output.js'
import { TokenCommand } from './token-command.js'

export class DropCommand extends TokenCommand {
  static override paths = [['drop']]
  static override usage = Command.Usage({
    category: 'Token commands',
    description: 'Drop a token: reads and writes then fail with not found until it is created again',
    details: `
      Sent to the token's writer. A deadline leaves the outcome unknown (exit 3).

      ${EXIT_CODES_SHORT}
    `,
    examples: [['Drop token 1', '$0 drop --config config/tokens.yaml --id 1']],
  })

  protected async perform(): Promise<void> {
    const id = this.tokenId()
    await this.operate(
      id,
      (client, call) => client.drop(id, call),
      (result, json) => formatLifecycle('dropped', result, json),
    )
  }
}
