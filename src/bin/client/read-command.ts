import { Command, Option } from 'clipanion'
import { EXIT_CODES_SHORT } from './exit-codes.js'
import { formatRead } from './output.js'
import type { TokenManagerClient } from '../../client/token-manager-client.js'
import type { ReadResult } from '../../client/wire-results.js'
import { type TokenCall, TokenCommand } from './token-command.js'

export class ReadCommand extends TokenCommand {
  static override paths = [['read']]
  static override usage = Command.Usage({
    category: 'Token commands',
    description: "Read a token's full state from one of its readers",
    details: `
      Picks a random reader from the scheme. If it does not answer (DEADLINE_EXCEEDED or UNAVAILABLE), fails over
      to another random reader not tried yet, each attempt with its own \`--timeout\`. With \`--no-failover\` or
      \`--server\` exactly one node is asked.

      Prints id, name, low, mid, high, the partial and final argmins (nonce, hash), version, writer, readers and
      the node that served the read. A created but never written token has no value yet (\`written: false\`).

      ${EXIT_CODES_SHORT}
    `,
    examples: [
      ['Read token 1 from any of its readers', '$0 read --config config/tokens.yaml --id 1'],
      ['Ask exactly one node, as JSON', '$0 read --server 127.0.0.1:50052 --id 1 --json'],
    ],
  })

  noFailover = Option.Boolean('--no-failover', false, {
    description: 'Ask one reader only, even if it does not answer',
  })

  /** For tests: the source of the random reader order. */
  random: () => number = Math.random

  protected async perform(): Promise<void> {
    const id = this.tokenId()
    const node = this.namedNode()
    const attemptMs = this.timeoutMs()
    // The whole failover is one read for the history: it returns one answer, or none (failed, no effect).
    const read = (client: TokenManagerClient, call: TokenCall): Promise<ReadResult> => {
      const readers = node === undefined ? client.scheme!.get(id)!.readers.length : 1
      return client.read(id, {
        ...call,
        failover: !this.noFailover,
        attemptMs,
        // Each attempt has its own --timeout; the slack covers the local work between attempts.
        timeoutMs: attemptMs * readers + 100,
        random: this.random,
        onRetry: (failed, next) => this.notice(`${failed.message}; trying ${next}`),
      })
    }
    await this.operate(id, read, formatRead)
  }
}
