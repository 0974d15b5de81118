import { Option } from 'clipanion'
import { TokenManagerClient } from '../../client/token-manager-client.js'
import type { HistoryRecordSink } from './history-recorder.js'
import type { BaseContext } from 'clipanion'
import type { ClientSecurity } from '../../client/node-channels.js'
import { explainTls } from './client-tls.js'
import { SecureClientCommand } from './secure-client-command.js'
import { ExitCode } from './exit-codes.js'
import { describeFailure } from './failure.js'
import { formatFailure, type Json } from './output.js'
import { parseTimeoutMs } from './request-args.js'

/**
 * What every tm-client command shares: --json and --timeout, and turning any failure into one stderr line and
 * an exit code (clipanion would otherwise print stacks to stdout).
 */
export abstract class ClientCommand extends SecureClientCommand {
  json = Option.Boolean('--json', false, {
    description: 'Print exactly one JSON object on stdout (uint64 values as decimal strings)',
  })
  timeout = Option.String('--timeout', '5000', {
    description: 'Deadline of each attempt: milliseconds, or a duration such as 5s',
  })
  /** How this run reaches the nodes: set from the flags before the command's work. */
  protected security: ClientSecurity | undefined
  /** Fields a failure's --json object carries besides `error` (the trace of a traced operation that failed). */
  protected failureFields: { readonly [key: string]: Json } = {}

  async execute(): Promise<number> {
    try {
      this.security = this.flagSecurity()
      await this.perform()
      return ExitCode.ok
    } catch (error) {
      return reportFailure(error, this.context, this.json, this.security, this.failureFields)
    }
  }

  /** The command's work; throws to fail. */
  protected abstract perform(): Promise<void>

  protected timeoutMs(): number {
    return parseTimeoutMs(this.timeout)
  }

  /** A library client for this run: the scheme of --config when given, else just the nodes the command names. */
  protected client(options: {
    scheme?: string
    nodes?: readonly string[]
    history?: HistoryRecordSink
  }): TokenManagerClient {
    return new TokenManagerClient({
      ...this.security!,
      ...(options.scheme !== undefined && { scheme: options.scheme }),
      nodes: options.nodes ?? [],
      timeoutMs: this.timeoutMs(),
      ...(options.history !== undefined && { onHistory: options.history.hook, clientId: options.history.client }),
    })
  }

  protected print(text: string): void {
    this.context.stdout.write(text)
  }

  /** Progress that is not the result (e.g. a failover): stderr, so stdout stays one clean result. */
  protected notice(text: string): void {
    this.context.stderr.write(`tm-client: ${text}\n`)
  }
}

/** Writes the failure's line to stderr (and its JSON object to stdout with --json); returns the exit code. */
export function reportFailure(
  error: unknown,
  context: Pick<BaseContext, 'stdout' | 'stderr'>,
  json: boolean,
  security?: ClientSecurity,
  extra: { readonly [key: string]: Json } = {},
): number {
  const failure = explainTls(describeFailure(error), security)
  const { stdout, stderr } = formatFailure(failure, json, extra)
  if (stdout !== '') context.stdout.write(stdout)
  context.stderr.write(stderr)
  return failure.exitCode
}
