import { Builtins, Cli } from 'clipanion'
import type { BaseContext } from 'clipanion'
import { CheckExit } from './check-report.js'
import { CheckCommand } from './check-command.js'

export type CheckContext = Pick<BaseContext, 'stdout' | 'stderr'>

/**
 * Runs `tm-check ...args` and returns its exit code. A command line that does not parse gives one `tm-check: ...`
 * line and exit 2: clipanion's own exit 1 would read as "violation found".
 */
export async function runCheck(args: readonly string[], context: CheckContext): Promise<number> {
  // clipanion asks the tty prototype for color depth, so it colors piped output too; decide from stdout itself.
  const enableColors = process.stdout.isTTY === true && process.env.NO_COLOR === undefined
  const cli = new Cli({
    binaryName: 'tm-check',
    binaryLabel: 'tm-check: linearizability checker for tm-client histories',
    binaryVersion: '0.1.0',
    enableColors,
  })
  cli.register(CheckCommand)
  cli.register(Builtins.HelpCommand)
  cli.register(Builtins.VersionCommand)
  const full = { ...Cli.defaultContext, ...context }
  try {
    return await cli.run(cli.process([...args], full), full)
  } catch (error) {
    const message = (error instanceof Error ? (error.message.trim().split('\n')[0] ?? '') : String(error)).replace(
      /\.$/,
      '',
    )
    context.stderr.write(`tm-check: ${message}; see \`tm-check --help\`\n`)
    return CheckExit.error
  }
}
