/**
 * Operating errors: expected failures a caller can act on. Each carries a stable `code` that the edge (gRPC,
 * CLI) maps to a status code or exit code. Broken invariants are not errors of this kind: they `assert`.
 */
/** Every operating error code, in one list so that an exporter can tell a code from anything else. */
export const ERROR_CODES = [
  'invalid-argument',
  'not-found',
  'already-exists',
  'failed-precondition',
  'deadline-exceeded',
  'unavailable',
  'resource-exhausted',
  'cancelled',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export abstract class TokenManagerError extends Error {
  abstract readonly code: ErrorCode
}

export class InvalidArgumentError extends TokenManagerError {
  override readonly name = 'InvalidArgumentError'
  readonly code = 'invalid-argument'
}

export class NotFoundError extends TokenManagerError {
  override readonly name = 'NotFoundError'
  readonly code = 'not-found'
}

export class AlreadyExistsError extends TokenManagerError {
  override readonly name = 'AlreadyExistsError'
  readonly code = 'already-exists'
}

/** The request reached a node that does not play the needed role (writer / reader) for the token. */
export class WrongNodeError extends TokenManagerError {
  override readonly name = 'WrongNodeError'
  readonly code = 'failed-precondition'
}

/** The operation's deadline passed before a quorum answered: a write's outcome is then unknown. */
export class DeadlineExceededError extends TokenManagerError {
  override readonly name = 'DeadlineExceededError'
  readonly code = 'deadline-exceeded'
}

export class UnavailableError extends TokenManagerError {
  override readonly name = 'UnavailableError'
  readonly code = 'unavailable'
}

/** A bounded queue is full; the caller may retry later. */
export class OverloadedError extends TokenManagerError {
  override readonly name = 'OverloadedError'
  readonly code = 'resource-exhausted'
}

export class CancelledError extends TokenManagerError {
  override readonly name = 'CancelledError'
  readonly code = 'cancelled'
}

/** Rebuilds a typed error from its code (after crossing a process boundary). */
export function errorFromCode(code: ErrorCode, message: string): TokenManagerError {
  switch (code) {
    case 'invalid-argument':
      return new InvalidArgumentError(message)
    case 'not-found':
      return new NotFoundError(message)
    case 'already-exists':
      return new AlreadyExistsError(message)
    case 'failed-precondition':
      return new WrongNodeError(message)
    case 'deadline-exceeded':
      return new DeadlineExceededError(message)
    case 'unavailable':
      return new UnavailableError(message)
    case 'resource-exhausted':
      return new OverloadedError(message)
    case 'cancelled':
      return new CancelledError(message)
  }
}
