import { Builtins, Cli, UsageError } from 'clipanion'
import { hasReason, missingRequired, VERSION } from '../support/cli-bootstrap.js'
import type { BaseContext, Command, CommandClass } from 'clipanion'
import { reportFailure } from './client-command.js'
import { CreateCommand } from './create-command.js'
import { DropCommand } from './drop-command.js'
import { EXIT_CODES_HELP, ExitCode } from './exit-codes.js'
import { FailSilentCommand } from './fail-silent-command.js'
import { ReadCommand } from './read-command.js'
import { StatusCommand } from './status-command.js'
import { WriteCommand } from './write-command.js'

/**
 * clipanion's Cli, with its failures made to fit tm-client: a command line that does not parse gives one
 * `tm-client: ...` line on stderr and exit 2, bad input (clipanion prints several lines to stdout), and the overview
 * (`tm-client --help`) ends with the exit codes.
 */
export class ClientCli extends Cli {
  // `void` is in the base class's overloads: a Cli without a user context may be run with no context at all.
  // biome-ignore lint/suspicious/noConfusingVoidType: clipanion's own signature, overridden as it is
  override async run(input: Command<BaseContext> | string[], context?: Partial<BaseContext> | void): Promise<number> {
    const full = { ...Cli.defaultContext, ...(context ?? {}) }
    if (!Array.isArray(input)) return super.run(input, full)
    if (input.length === 0) {
      full.stderr.write(this.usage(null))
      return ExitCode.invalidArgument
    }
    let command: Command<BaseContext>
    try {
      command = this.process(input, full)
    } catch (error) {
      const explained = hasReason(error) ? error : (this.missingOptions(input) ?? error)
      return reportFailure(explained, full, input.includes('--json'))
    }
    return super.run(command, full)
  }

  /** clipanion reports a missing required option as a bare "no match"; name the options instead. */
  private missingOptions(input: readonly string[]): UsageError | undefined {
    const missing = missingRequired(this, `${this.binaryName} ${input[0]}`, input)
    if (missing.length === 0) return undefined
    return new UsageError(`${input[0]} needs ${missing.join(', ')}; see \`${this.binaryName} ${input[0]} --help\``)
  }

  override usage(
    command?: CommandClass<BaseContext> | Command<BaseContext> | null,
    opts?: { colored?: boolean; detailed?: boolean; prefix?: string },
  ): string {
    const text = super.usage(command, opts)
    return command == null ? `${text}\n${EXIT_CODES_HELP}` : text
  }
}

export const CLIENT_COMMANDS: readonly CommandClass<BaseContext>[] = [
  WriteCommand,
  ReadCommand,
  CreateCommand,
  DropCommand,
  FailSilentCommand,
  StatusCommand,
]

export function createClientCli(): ClientCli {
  // clipanion asks the tty prototype for color depth, so it colors piped output too; decide from stdout itself.
  const enableColors = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
  const cli = new ClientCli({
    binaryName: 'tm-client',
    binaryLabel: 'tm-client: the token manager command-line client',
    binaryVersion: VERSION,
    enableColors,
  })
  for (const command of CLIENT_COMMANDS) cli.register(command)
  cli.register(Builtins.HelpCommand)
  cli.register(Builtins.VersionCommand)
  return cli
}
