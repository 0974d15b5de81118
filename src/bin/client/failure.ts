import { UsageError } from 'clipanion'
import { type CallFailure, callFailureOf, cleanDetails, isNoAnswer } from '../../client/call-failure.js'
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  OutcomeUnknownError,
} from '../../client/client-errors.js'
import { ConfigError } from '../../plugins/yaml-config/config-error.js'
import { ExitCode } from './exit-codes.js'

/** How a command failed, as the user sees it: one line, a status label (for --json) and the exit code. */
export interface Failure {
  readonly exitCode: ExitCode
  readonly status: string
  readonly message: string
}

const EXIT_BY_STATUS: ReadonlyMap<string, ExitCode> = new Map([
  ['INVALID_ARGUMENT', ExitCode.invalidArgument],
  ['NOT_FOUND', ExitCode.notFound],
  ['ALREADY_EXISTS', ExitCode.alreadyExists],
  ['FAILED_PRECONDITION', ExitCode.wrongNode],
  ['DEADLINE_EXCEEDED', ExitCode.noAnswer],
  ['UNAVAILABLE', ExitCode.noAnswer],
  ['RESOURCE_EXHAUSTED', ExitCode.overloaded],
  ['UNAUTHENTICATED', ExitCode.notAuthorized],
  ['PERMISSION_DENIED', ExitCode.notAuthorized],
])

/** Classifies anything a command threw; never exposes a stack trace. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof OutcomeUnknownError) {
    return { exitCode: ExitCode.outcomeUnknown, status: 'OUTCOME_UNKNOWN', message: oneLine(error.message) }
  }
  const failure = callFailureOf(error)
  if (failure !== undefined) return callFailure(error as Error, failure)
  // Refused here before anything was sent: a token missing from the scheme file, a bad argument.
  if (error instanceof NotFoundError)
    return { exitCode: ExitCode.notFound, status: 'NOT_FOUND', message: oneLine(error.message) }
  if (error instanceof AlreadyExistsError)
    return { exitCode: ExitCode.alreadyExists, status: 'ALREADY_EXISTS', message: oneLine(error.message) }
  if (isSyntaxError(error))
    return { exitCode: ExitCode.invalidArgument, status: 'USAGE', message: syntaxMessage(error) }
  if (error instanceof UsageError)
    return { exitCode: ExitCode.invalidArgument, status: 'USAGE', message: oneLine(error.message) }
  // A config file error's first line is `file:line:column: problem`; the rest is a code frame.
  if (error instanceof ConfigError)
    return { exitCode: ExitCode.invalidArgument, status: 'CONFIG', message: firstLine(error.message) }
  if (error instanceof InvalidArgumentError) {
    return { exitCode: ExitCode.invalidArgument, status: 'INVALID_ARGUMENT', message: oneLine(error.message) }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { exitCode: ExitCode.failure, status: 'INTERNAL', message: oneLine(message) }
}

/**
 * A call a node ended: where no node answered, the client's own account (which nodes, how long); otherwise the
 * node's own words (a wrong-node reply names the right nodes), tagged with status and node.
 */
function callFailure(error: Error, failure: CallFailure): Failure {
  const status = failure.status
  const exitCode = EXIT_BY_STATUS.get(status) ?? ExitCode.failure
  if (isNoAnswer(failure)) return { exitCode, status, message: oneLine(error.message) }
  const details = cleanDetails(failure.details)
  return { exitCode, status, message: `${details === '' ? status : details} [${status} from ${failure.node}]` }
}

/** clipanion's parse errors (not exported by it, so recognised by name) carry the usages that nearly matched. */
interface ParseError extends Error {
  readonly candidates?: readonly { readonly usage: string; readonly reason: string | null }[]
}

function isSyntaxError(error: unknown): error is ParseError {
  return error instanceof Error && (error.name === 'UnknownSyntaxError' || error.name === 'AmbiguousSyntaxError')
}

/** Those errors span several lines (candidate usages); keep the reason and at most one usage. */
function syntaxMessage(error: ParseError): string {
  const candidates = error.candidates ?? []
  const [first] = candidates
  const help = 'run `tm-client --help` for the commands'
  if (first === undefined) return `unknown command; ${help}`
  const reason = first.reason ?? (candidates.length === 1 ? 'invalid arguments' : undefined)
  if (reason === undefined) return `unknown command or arguments; ${help}`
  // `--low -5` reads as an option named -5; the value must be bound to its flag.
  const hint = reason.startsWith('Not enough arguments') ? ' (write a value starting with "-" as --option=value)' : ''
  return `${oneLine(reason).replace(/\.$/, '')}${hint}; usage: ${first.usage}`
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? ''
}

/** Collapses a message onto one line: newlines from servers or libraries would break the one-line contract. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
