import type { BaseContext } from 'clipanion'
import { binaryCli, runBinary } from '../support/cli-bootstrap.js'
import { SimCommand } from './sim-command.js'

export type SimContext = Pick<BaseContext, 'stdout' | 'stderr'>

/** Runs `tm-sim ...args` and returns its exit code (a command line that does not parse: one line, exit 2). */
export async function runSim(args: readonly string[], context: SimContext): Promise<number> {
  const cli = binaryCli({ name: 'tm-sim', label: 'tm-sim: seeded cluster simulations, checked and replayed' }, [
    SimCommand,
  ])
  return runBinary(cli, args, context)
}
