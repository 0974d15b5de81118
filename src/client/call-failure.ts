import { status as GrpcStatus } from '@grpc/grpc-js'

/**
 * Where a failed call ended: the node asked, the gRPC status the call ended with (by name, e.g. `NOT_FOUND`), the
 * node's own words (or grpc-js's), and the deadline the call had. Kept beside the typed error rather than in it,
 * so the error classes stay those of the core and `instanceof` works as users expect.
 */
export interface CallFailure {
  readonly node: string
  readonly status: string
  readonly details: string
  readonly timeoutMs: number
}

const FAILURES = new WeakMap<Error, CallFailure>()

/** How the call behind `error` ended, when the client's call to a node raised it; undefined for anything else. */
export function callFailureOf(error: unknown): CallFailure | undefined {
  return error instanceof Error ? FAILURES.get(error) : undefined
}

/** Returns `error`, remembered with the call that ended in it. */
export function withCallFailure<E extends Error>(error: E, failure: CallFailure): E {
  FAILURES.set(error, failure)
  return error
}

/** `DEADLINE_EXCEEDED` for status 4; the enum's reverse mapping, with a fallback for codes it lacks. */
export function statusName(status: GrpcStatus): string {
  return GrpcStatus[status] ?? `status ${status}`
}

/**
 * A call grpc-js never sent: it fails with UNAVAILABLE "No connection established" when the channel has no
 * connection to send it on, and the client turns grpc-js retries off, so no earlier attempt went out either. A
 * write that failed so surely did not happen.
 */
export function wasNeverSent(failure: CallFailure): boolean {
  return failure.status === 'UNAVAILABLE' && failure.details.startsWith('No connection established')
}

/** True when the node may simply not have answered in time or at all: the cases a read fails over on. */
export function isNoAnswer(failure: CallFailure): boolean {
  return failure.status === 'DEADLINE_EXCEEDED' || failure.status === 'UNAVAILABLE'
}

/** A DEADLINE_EXCEEDED this client's deadline raised (grpc-js's text), not one the node sent with its reason. */
export function isOwnDeadline(failure: CallFailure): boolean {
  return (
    failure.status === 'DEADLINE_EXCEEDED' &&
    (failure.details === '' || failure.details.startsWith('Deadline exceeded'))
  )
}

/** Why a node did not answer, in a few words; grpc-js's own deadline text (LB pick timings) is noise here. */
export function whyNoAnswer(failure: CallFailure): string {
  const details = cleanDetails(failure.details)
  if (failure.status === 'UNAVAILABLE') return `${failure.node} is unavailable${details === '' ? '' : ` (${details})`}`
  if (isOwnDeadline(failure)) return `${failure.node} did not answer within ${failure.timeoutMs} ms`
  return `${failure.node} did not answer in time (${details})`
}

/** One line, without grpc-js's boilerplate around the socket error ("connect ECONNREFUSED 127.0.0.1:1"). */
export function cleanDetails(details: string): string {
  return details
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\s*Resolution note:\s*$/, '')
    .replace(/^No connection established\. Last error: (?:Error: )?(.*?)\.?$/, '$1')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[0-9:.]+Z\)$/, '')
    .trim()
}
