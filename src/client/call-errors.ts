import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js'
import { fromServiceError } from '../plugins/grpc/status-codes.js'
import {
  type CallFailure,
  cleanDetails,
  isOwnDeadline,
  statusName,
  wasNeverSent,
  whyNoAnswer,
  withCallFailure,
} from './call-failure.js'
import {
  DeadlineExceededError,
  NotAuthorizedError,
  OutcomeUnknownError,
  TokenManagerError,
  UnavailableError,
  WrongNodeForTokenError,
} from './client-errors.js'

/** A call that ended like this may have reached the node and taken effect there. */
const UNANSWERED: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.CANCELLED,
])

const NOT_AUTHORIZED: ReadonlySet<GrpcStatus> = new Set([GrpcStatus.UNAUTHENTICATED, GrpcStatus.PERMISSION_DENIED])

/** What the client was doing when a call failed. */
export interface CallContext {
  readonly node: string
  readonly timeoutMs: number
  /** A write, create or drop (`what` names it): its outcome is unknown when sent and not answered. */
  readonly mutation?: string
  /** The nodes that play the needed role by the client's scheme; empty when the client has no scheme. */
  readonly expected: readonly string[]
}

/**
 * A grpc-js failure as the typed error a user acts on, remembered with how the call ended (callFailureOf). A
 * write that may have been applied is OutcomeUnknownError, never a plain failure: retrying it would repeat it.
 */
export function errorOfCall(error: unknown, context: CallContext): Error {
  const e = error as Partial<ServiceError>
  const code = e.code ?? GrpcStatus.UNKNOWN
  const failure: CallFailure = {
    node: context.node,
    status: statusName(code),
    details: e.details || e.message || String(error),
    timeoutMs: context.timeoutMs,
  }
  return withCallFailure(typedError(code, failure, context, e), failure)
}

function typedError(code: GrpcStatus, failure: CallFailure, context: CallContext, e: Partial<ServiceError>): Error {
  const details = cleanDetails(failure.details)
  if (code === GrpcStatus.FAILED_PRECONDITION) {
    const expected = context.expected.length === 0 ? '' : ` (by this client's scheme: ${context.expected.join(', ')})`
    return new WrongNodeForTokenError(`${details}${expected}`, context.node, context.expected)
  }
  if (context.mutation !== undefined && !wasNeverSent(failure) && UNANSWERED.has(code)) {
    const why = isOwnDeadline(failure)
      ? `no confirmation from ${context.node} within ${context.timeoutMs} ms`
      : `${context.node}: ${details || failure.status}`
    const message = `outcome unknown: the ${context.mutation} may or may not have taken effect (${why}); read the token to find out`
    return new OutcomeUnknownError(message, context.node)
  }
  if (code === GrpcStatus.DEADLINE_EXCEEDED) return new DeadlineExceededError(whyNoAnswer(failure))
  if (code === GrpcStatus.UNAVAILABLE) return new UnavailableError(whyNoAnswer(failure))
  if (NOT_AUTHORIZED.has(code)) return new NotAuthorizedError(`${context.node}: ${details}`, context.node)
  // The node's own codes map back to the core's typed errors; anything else (INTERNAL, UNIMPLEMENTED, ...) means
  // the node could not serve the call.
  const typed = fromServiceError({ ...(e as ServiceError), details: `${context.node}: ${details}` })
  return typed instanceof TokenManagerError
    ? typed
    : new UnavailableError(`${context.node}: ${details || failure.status}`)
}
