import { Command, Option, UsageError } from 'clipanion'
import type { ReplicationScheme } from '../../core/scheme/replication-scheme.js'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
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
      the token again. \`--after\` takes a duration such as 5s, 1500ms or 2m (default: now). With \`--config\`,
      a node that holds no copy of the token by that scheme is refused before anything is sent.

      ${EXIT_CODES_SHORT}
    `,
    examples: [
      ['Silence 127.0.0.1:50053 for token 1 in 5 seconds', '$0 fail-silent --server 127.0.0.1:50053 --id 1 --after 5s'],
    ],
  })

  server = Option.String('--server', { required: true, description: 'The node to silence (host:port)' })
  config = Option.String('--config', {
    description:
      'The replication scheme (tokens.yaml), as the other commands take it: refuses a node that holds no copy of the token',
  })
  id = Option.String('--id', { required: true, description: 'The token it goes silent for' })
  after = Option.String('--after', '0', { description: 'Delay before the silence: 5s, 1500ms, 2m, or milliseconds' })

  protected async perform(): Promise<void> {
    const node = parseServer(this.server)
    const id = parseTokenId(this.id)
    const afterMs = parseAfterMs(this.after)
    if (this.config !== undefined) checkHolds(loadSchemeFile(this.config), node, id, this.config)
    const client = this.client({ nodes: [node] })
    const reply = await client.failSilent(node, id, { afterMs }).finally(() => client.close())
    this.print(formatFailSilent(reply, afterMs, this.json))
  }
}

/** A silence of a node that plays no role in the token would do nothing: most likely a typo in --server or --id. */
function checkHolds(scheme: ReplicationScheme, node: string, id: string, file: string): void {
  const entry = scheme.get(id)
  if (entry === undefined) throw new UsageError(`token ${id} is not in the replication scheme ${file}`)
  const replicas = scheme.replicasOf(id)
  if (!replicas.includes(node)) {
    throw new UsageError(`${node} holds no copy of token ${id} in ${file} (its replicas: ${replicas.join(', ')})`)
  }
}
