import { status as GrpcStatus } from '@grpc/grpc-js'
import { UsageError } from 'clipanion'
import { InvalidArgumentError } from '../../core/errors.js'
import { ConfigError } from '../../plugins/yaml-config/config-error.js'
import { ClientError } from './client-error.js'
import { ExitCode } from './exit-codes.js'
import { cleanDetails, isNoAnswer, RpcError, statusName, whyNoAnswer } from './rpc-error.js'

/** How a command failed, as the user sees it: one line, a status label (for --json) and the exit code. */
export interface Failure {
  readonly exitCode: ExitCode
  readonly status: string
  readonly message: string
}

const EXIT_BY_STATUS: ReadonlyMap<GrpcStatus, ExitCode> = new Map([
  [GrpcStatus.INVALID_ARGUMENT, ExitCode.invalidArgument],
  [GrpcStatus.NOT_FOUND, ExitCode.notFound],
  [GrpcStatus.ALREADY_EXISTS, ExitCode.alreadyExists],
  [GrpcStatus.FAILED_PRECONDITION, ExitCode.wrongNode],
  [GrpcStatus.DEADLINE_EXCEEDED, ExitCode.noAnswer],
  [GrpcStatus.UNAVAILABLE, ExitCode.noAnswer],
  [GrpcStatus.RESOURCE_EXHAUSTED, ExitCode.overloaded],
  [GrpcStatus.UNAUTHENTICATED, ExitCode.notAuthorized],
  [GrpcStatus.PERMISSION_DENIED, ExitCode.notAuthorized],
])

/** Classifies anything a command threw; never exposes a stack trace. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof ClientError)
    return { exitCode: error.exitCode, status: error.status ?? 'FAILED', message: oneLine(error.message) }
  if (error instanceof RpcError) return rpcFailure(error)
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

/** The node's own words where it gave some (a wrong-node reply names the right nodes), tagged with status and node. */
function rpcFailure(error: RpcError): Failure {
  const status = statusName(error.status)
  const exitCode = EXIT_BY_STATUS.get(error.status) ?? ExitCode.failure
  if (isNoAnswer(error)) return { exitCode, status, message: whyNoAnswer(error) }
  const details = cleanDetails(error.details)
  return { exitCode, status, message: `${details === '' ? status : details} [${status} from ${error.node}]` }
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
