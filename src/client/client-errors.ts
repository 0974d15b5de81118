import { TokenManagerError, WrongNodeError } from '../core/errors.js'

export {
  AlreadyExistsError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  NotFoundError,
  OverloadedError,
  TokenManagerError,
  UnavailableError,
  WrongNodeError,
} from '../core/errors.js'

/**
 * A write, create or drop that was sent but not answered (its deadline passed, the caller aborted it, or the
 * connection broke): it may or may not have taken effect. Read the token to find out; retrying a write repeats it.
 */
export class OutcomeUnknownError extends TokenManagerError {
  override readonly name = 'OutcomeUnknownError'
  readonly code = 'deadline-exceeded'

  constructor(
    message: string,
    readonly node: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/**
 * The node asked does not play the needed role for the token (the client's scheme differs from the cluster's).
 * `expected` names the nodes that do, by this client's scheme: the writer for a write, the readers for a read.
 */
export class WrongNodeForTokenError extends WrongNodeError {
  override readonly name = 'WrongNodeError'

  constructor(
    message: string,
    readonly node: string,
    readonly expected: readonly string[],
  ) {
    super(message)
  }
}

/**
 * The node refused the caller's identity (UNAUTHENTICATED, PERMISSION_DENIED): a secured cluster wants a client
 * certificate of its CA, and admin calls want one even where token calls do not.
 */
export class NotAuthorizedError extends TokenManagerError {
  override readonly name = 'NotAuthorizedError'
  readonly code = 'unavailable'

  constructor(
    message: string,
    readonly node: string,
  ) {
    super(message)
  }
}
