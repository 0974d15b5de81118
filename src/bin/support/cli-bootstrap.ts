import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BaseContext, Builtins, Cli, type CommandClass, UsageError } from 'clipanion'
import { InvalidArgumentError, TokenManagerError } from '../../core/errors.js'
import { ConfigError } from '../../plugins/yaml-config/config-error.js'
import { packageRoot } from '../../plugins/grpc/package-root.js'

/** The exit code of every binary for input it checked itself and refused: flags, arguments, files it could not use. */
export const EXIT_USAGE = 2

/** The package's version, from package.json: the one place it is written. */
export const VERSION: string = (
  JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version

export interface BinaryOptions {
  readonly name: string
  readonly label: string
}

/** A clipanion Cli for one binary: its commands, --help and --version; colors only on a terminal without NO_COLOR. */
export function binaryCli<Context extends BaseContext = BaseContext>(
  options: BinaryOptions,
  commands: readonly CommandClass<Context>[],
  make: (settings: ConstructorParameters<typeof Cli>[0]) => Cli<Context> = (settings) => new Cli<Context>(settings),
): Cli<Context> {
  // clipanion asks the tty prototype for color depth, so it colors piped output too; decide from stdout itself.
  const enableColors = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
  const cli = make({ binaryName: options.name, binaryLabel: options.label, binaryVersion: VERSION, enableColors })
  for (const command of commands) cli.register(command)
  cli.register(Builtins.HelpCommand)
  cli.register(Builtins.VersionCommand)
  return cli
}

/**
 * Parses `args` and runs the command. A command line that does not parse (an unknown or missing flag, a bad
 * value) gives one `<binary>: ...` line on stderr and EXIT_USAGE, never clipanion's several lines and exit 1.
 */
export async function runBinary(
  cli: Cli,
  args: readonly string[],
  context: Partial<BaseContext> = {},
): Promise<number> {
  const full = { ...Cli.defaultContext, ...context }
  let command: ReturnType<Cli['process']>
  try {
    command = cli.process([...args], full)
  } catch (error) {
    // clipanion's own reason (an unsupported option, a missing value) is the most precise; else what is missing.
    const problem = (hasReason(error) ? undefined : missingOptions(cli, args)) ?? parseProblem(error)
    full.stderr.write(`${cli.binaryName}: ${problem}; see \`${cli.binaryName} --help\`\n`)
    return EXIT_USAGE
  }
  // A command's own failure: one line, exit 2 for input it refused, 1 for the rest; a stack only for a bug.
  const execute = command.execute.bind(command)
  command.execute = async () => {
    try {
      return await execute()
    } catch (error) {
      return reportFailure(cli.binaryName, error, full.stderr)
    }
  }
  return cli.run(command, full)
}

/** Input the binary checked and refused: exit EXIT_USAGE. */
function isInputError(error: unknown): boolean {
  return error instanceof UsageError || error instanceof InvalidArgumentError || error instanceof ConfigError
}

/** Operating errors and file errors are the user's to act on: one line. Anything else is a bug: its stack. */
function reportFailure(binary: string, error: unknown, stderr: NodeJS.WritableStream): number {
  const expected =
    isInputError(error) ||
    error instanceof TokenManagerError ||
    (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string')
  if (!expected) {
    stderr.write(`${binary}: internal error: ${error instanceof Error ? error.stack : String(error)}\n`)
    return 1
  }
  const message = (error as Error).message.trim().split('\n')[0] ?? ''
  stderr.write(`${binary}: ${message}\n`)
  return isInputError(error) ? EXIT_USAGE : 1
}

/**
 * The required options of the command at `path` that `args` lacks: clipanion reports a missing required option
 * as "Command not found", so the binaries name them instead.
 */
export function missingRequired(cli: Cli, path: string, args: readonly string[]): string[] {
  const definition = cli.definitions().find((d) => d.path === path)
  if (definition === undefined) return []
  const given = new Set(args.map((arg) => arg.split('=', 1)[0]))
  return definition.options
    .filter((o) => o.required)
    .map((o) => o.definition.split(/[ ,]/, 1)[0] ?? '')
    .filter((name) => !given.has(name))
}

/** For a binary with one command (no path): what is missing, in a few words. */
function missingOptions(cli: Cli, args: readonly string[]): string | undefined {
  const missing = missingRequired(cli, cli.binaryName, args)
  return missing.length === 0 ? undefined : `missing ${missing.join(', ')}`
}

/** A clipanion parse error that already says what is wrong (an unknown option, a missing value). */
export function hasReason(error: unknown): boolean {
  const candidates = (error as { candidates?: readonly { reason: string | null }[] } | null)?.candidates
  return candidates?.some((c) => c.reason !== null) ?? false
}

/** clipanion's parse errors span several lines (candidate usages): keep the reason, in one line. */
export function parseProblem(error: unknown): string {
  const candidates = (error as { candidates?: { reason: string | null }[] }).candidates ?? []
  const reason = candidates.find((c) => c.reason !== null)?.reason
  const text = reason ?? (error instanceof Error ? error.message : String(error))
  const line = text.trim().split('\n')[0] ?? ''
  return line.replace(/\.$/, '').replace(/^Command not found; did you mean.*$/, 'unknown command or option')
}
