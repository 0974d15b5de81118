import { Command, Option, UsageError } from 'clipanion'
import { writeFileSync } from 'node:fs'
import { BROKEN_VARIANTS, variantNamed } from '../../sim/broken-variants.js'
import { renderReplayPage } from '../../sim/page/replay-page.js'
import { recordReplay } from '../../sim/replay-run.js'

/** tm-sim's exit codes, as tm-check's: a run whose checks all pass, one that fails one, no verdict or bad input. */
export const SimExit = { passed: 0, violation: 1, error: 2 } as const

const variantList = BROKEN_VARIANTS.map((v) => `      - ${v.name}: ${v.description}`).join('\n\n')

/** `tm-sim --seed N`: one seeded simulation of a whole cluster, checked, and replayed step by step in a page. */
export class SimCommand extends Command {
  static override paths = [Command.Default]
  static override usage = Command.Usage({
    description: 'Run one seeded simulation of a cluster, check it, and write a page that replays it step by step',
    details: `
      Runs a whole cluster in one process on virtual time (every node, message delay, silence and client drawn
      from the seed), checks the clients' history for linearizability and liveness, and prints one line. The same
      seed gives the same run, line and page, byte for byte.

      The page (--html) stands alone: the nodes with each replica's copy of each token, the messages in flight,
      the client operations on a timeline and the checker's linearization, with back, forward and play (arrow
      keys, space; #step=N in the address picks a step). When the run is not linearizable the page opens
      at the step that returned the stale value, with the counterexample's operations outlined.

      Broken variants (--variant), which the checks must catch:

${variantList}

      Exit codes: 0 every check passed, 1 a check failed (not linearizable, or a liveness finding), 2 no verdict
      (the checker ran out of time) or bad input.
    `,
    examples: [
      ['Replay a healthy run', '$0 --seed 7 --html run.html'],
      ['Watch a broken variant serve a stale value', '$0 --seed 1 --variant single-replica-quorum --html stale.html'],
    ],
  })

  seed = Option.String('--seed', { required: true, description: 'The seed (an integer from 0 to 2^31 - 1)' })
  variant = Option.String('--variant', { description: 'A broken variant (see above)' })
  operations = Option.String('--operations', '40', { description: 'Client operations in the run (1 to 2000)' })
  clients = Option.String('--clients', '3', { description: 'Clients calling at once (1 to 32)' })
  tokens = Option.String('--tokens', '2', { description: 'Tokens (registers) in the scheme (1 to 10)' })
  nodes = Option.String('--nodes', { description: 'Cluster size (3 to 9); drawn from the seed (3 to 7) if omitted' })
  maxSteps = Option.String('--max-steps', '4000', { description: 'Steps the page keeps at most (10 to 20000)' })
  html = Option.String('--html', { description: 'Write the replay page to this file' })

  async execute(): Promise<number> {
    if (this.variant !== undefined && variantNamed(this.variant) === undefined) {
      const names = BROKEN_VARIANTS.map((v) => v.name).join(', ')
      throw new UsageError(`--variant ${this.variant}: no such variant (known: ${names})`)
    }
    const replay = await recordReplay({
      seed: integerFlag('--seed', this.seed, 0, 2 ** 31 - 1),
      ...(this.variant !== undefined && { variant: this.variant }),
      operations: integerFlag('--operations', this.operations, 1, 2_000),
      clients: integerFlag('--clients', this.clients, 1, 32),
      tokens: integerFlag('--tokens', this.tokens, 1, 10),
      ...(this.nodes !== undefined && { nodes: integerFlag('--nodes', this.nodes, 3, 9) }),
      maxSteps: integerFlag('--max-steps', this.maxSteps, 10, 20_000),
    })
    if (this.html !== undefined) writeFileSync(this.html, renderReplayPage(replay.data))
    this.context.stdout.write(`${replay.summary}\n`)
    const { findings } = replay
    const failed = findings.linearizability.length + findings.liveness.length + findings.noQuorum.length
    if (failed + findings.finals.length > 0) return SimExit.violation
    return findings.undecided.length > 0 ? SimExit.error : SimExit.passed
  }
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} ${text}: expected an integer from ${min} to ${max}`)
  }
  return value
}
