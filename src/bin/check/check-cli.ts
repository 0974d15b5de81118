import { binaryCli, runBinary } from '../support/cli-bootstrap.js'
import type { BaseContext } from 'clipanion'
import { CheckCommand } from './check-command.js'

export type CheckContext = Pick<BaseContext, 'stdout' | 'stderr'>

/**
 * Runs `tm-check ...args` and returns its exit code. A command line that does not parse gives one `tm-check: ...`
 * line and exit 2: clipanion's own exit 1 would read as "violation found".
 */
export async function runCheck(args: readonly string[], context: CheckContext): Promise<number> {
  const cli = binaryCli({ name: 'tm-check', label: 'tm-check: linearizability checker for tm-client histories' }, [
    CheckCommand,
  ])
  // EXIT_USAGE is CheckExit.error: a command line that does not parse gives no verdict.
  return runBinary(cli, args, context)
}
