import { Command, Option, UsageError } from 'clipanion'
import { readFileSync, writeFileSync } from 'node:fs'
import { HistoryError } from '../../core/checker/history.js'
import { checkLinearizability } from '../../core/checker/linearizability-checker.js'
import { parseTimeoutMs } from '../client/request-args.js'
import { CheckExit, exitCodeOf, formatJson, formatText } from './check-report.js'
import { HistoryFileError, parseHistoryFile } from './history-file.js'
import { renderHtmlReport } from './html-report.js'

/** `tm-check FILE`: is the history tm-client recorded with --history linearizable, token by token? */
export class CheckCommand extends Command {
  static override paths = [Command.Default]
  static override usage = Command.Usage({
    description: 'Check a history recorded with `tm-client ... --history FILE` for linearizability, token by token',
    details: `
      Reads the JSON lines the clients appended (an invoke with no completion counts as an unknown outcome) and
      searches each token's operations for an order consistent with a single register. Tokens start created and
      empty, so record from a fresh cluster. Times are the clients' wall clocks: all of them must share one clock.

      Prints one line per token; a violation is followed by its counterexample, the operations around the first
      one no order explains (\`#N\` is the line of that operation's invoke record).

      Exit codes: 0 all linearizable, 1 a violation, 2 no verdict (timeout, usage, unreadable history).
    `,
    examples: [
      ['Check a history', '$0 history.jsonl'],
      ['Also draw the timelines', '$0 history.jsonl --html report.html --timeout 2m'],
    ],
  })

  file = Option.String({ name: 'FILE' })
  json = Option.Boolean('--json', false, { description: 'Print exactly one JSON object on stdout' })
  html = Option.String('--html', { description: 'Also write a self-contained HTML page with a timeline per token' })
  timeout = Option.String('--timeout', '60s', {
    description: 'Budget for the whole check: milliseconds, or a duration such as 60s',
  })

  async execute(): Promise<number> {
    try {
      return this.check()
    } catch (error) {
      // Anything thrown leaves no verdict: exit 2, never clipanion's 1, which would read as a violation.
      const message = isExpected(error)
        ? error.message
        : `internal error: ${error instanceof Error ? error.stack : String(error)}`
      if (this.json) this.context.stdout.write(`${JSON.stringify({ verdict: 'error', error: message })}\n`)
      this.context.stderr.write(`tm-check: ${message}\n`)
      return CheckExit.error
    }
  }

  private check(): number {
    const timeoutMs = parseTimeoutMs(this.timeout)
    const { operations, recordIds } = parseHistoryFile(readFileSync(this.file, 'utf8'), this.file)
    // Vacuously linearizable, but far more likely the wrong file or a client that recorded nothing: no verdict.
    if (operations.length === 0) throw new HistoryFileError(`${this.file} holds no operations: nothing to check`)
    const report = checkLinearizability(operations, { timeoutMs })
    if (this.html !== undefined) writeFileSync(this.html, renderHtmlReport(report, operations, recordIds, this.file))
    this.context.stdout.write(this.json ? formatJson(report, recordIds) : formatText(report, recordIds))
    return exitCodeOf(report)
  }
}

/** The user's to fix, so one line and no stack: bad flags, an unreadable or malformed history, a file error. */
function isExpected(error: unknown): error is Error {
  return (
    error instanceof UsageError ||
    error instanceof HistoryFileError ||
    error instanceof HistoryError ||
    (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string')
  )
}
