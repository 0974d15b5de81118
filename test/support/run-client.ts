import type { BaseContext, Command } from 'clipanion'
import { Writable } from 'node:stream'
import { createClientCli } from '../../src/bin/client/client-cli.js'

export interface ClientRun {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** A stream that keeps what is written to it. */
export class Capture extends Writable {
  text = ''

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString()
    done()
  }
}

/** Flags that choose how tm-client dials: a run that gives none is plaintext (--insecure), like the test nodes. */
const SECURITY_FLAGS = ['--insecure', '--certs-dir', '--tls-ca', '--tls-cert', '--tls-key']

/** The arguments as tm-client sees them: --insecure added to a command run that says nothing about security. */
export function withTestDefaults(args: readonly string[]): string[] {
  const help = args.includes('--help') || args.includes('-h')
  const command = args.length > 0 && !args[0]!.startsWith('-')
  const chosen = args.some((arg) => SECURITY_FLAGS.includes(arg))
  return command && !help && !chosen ? [...args, '--insecure'] : [...args]
}

/**
 * Runs tm-client in-process with captured stdout/stderr, as `tm-client ...args` would. `prepare` may adjust the
 * parsed command before it runs (e.g. fix the random reader order).
 */
export async function runClient(
  args: readonly string[],
  prepare?: (command: Command<BaseContext>) => void,
): Promise<ClientRun> {
  const cli = createClientCli()
  const stdout = new Capture()
  const stderr = new Capture()
  const context = { stdout, stderr }
  let exitCode: number
  if (prepare === undefined) {
    exitCode = await cli.run(withTestDefaults(args), context)
  } else {
    const command = cli.process(withTestDefaults(args), context)
    prepare(command)
    exitCode = await cli.run(command, context)
  }
  return { exitCode, stdout: stdout.text, stderr: stderr.text }
}
