import * as grpc from '@grpc/grpc-js'
import { type ErrorCode, errorFromCode, TokenManagerError } from '../../core/errors.js'

const TO_STATUS: Record<ErrorCode, grpc.status> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  'already-exists': grpc.status.ALREADY_EXISTS,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  'deadline-exceeded': grpc.status.DEADLINE_EXCEEDED,
  unavailable: grpc.status.UNAVAILABLE,
  'resource-exhausted': grpc.status.RESOURCE_EXHAUSTED,
  cancelled: grpc.status.CANCELLED,
}

/** A core error as a gRPC status; anything untyped is INTERNAL (and a bug). */
export function toServiceError(error: unknown): Partial<grpc.ServiceError> {
  if (error instanceof TokenManagerError) return { code: TO_STATUS[error.code], details: error.message }
  return {
    code: grpc.status.INTERNAL,
    details: `internal error: ${error instanceof Error ? error.message : String(error)}`,
  }
}

/** The reverse mapping, for clients. */
export function fromServiceError(error: grpc.ServiceError): TokenManagerError | Error {
  const entry = Object.entries(TO_STATUS).find(([, status]) => status === error.code)
  return entry ? errorFromCode(entry[0] as ErrorCode, error.details || error.message) : error
}
