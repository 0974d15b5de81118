import { status as GrpcStatus } from '@grpc/grpc-js'

/** A call to one node that ended with a non-OK gRPC status: which node, which status, what it said, and the deadline. */
export class RpcError extends Error {
  override readonly name = 'RpcError'

  constructor(
    readonly node: string,
    readonly status: GrpcStatus,
    readonly details: string,
    readonly timeoutMs: number,
  ) {
    super(`${node}: ${statusName(status)}${details === '' ? '' : `: ${details}`}`)
  }
}

/** `DEADLINE_EXCEEDED` for status 4; the enum's reverse mapping, with a fallback for codes it lacks. */
export function statusName(status: GrpcStatus): string {
  return GrpcStatus[status] ?? `status ${status}`
}

/** True when the node may simply not have answered in time or at all: the cases a read fails over on. */
export function isNoAnswer(error: RpcError): boolean {
  return error.status === GrpcStatus.DEADLINE_EXCEEDED || error.status === GrpcStatus.UNAVAILABLE
}

/** Why a node did not answer, in a few words; grpc-js's own deadline text (LB pick timings) is noise here. */
export function whyNoAnswer(error: RpcError): string {
  const details = cleanDetails(error.details)
  if (error.status === GrpcStatus.UNAVAILABLE)
    return `${error.node} is unavailable${details === '' ? '' : ` (${details})`}`
  if (isOwnDeadline(error)) return `${error.node} did not answer within ${error.timeoutMs} ms`
  return `${error.node} did not answer in time (${details})`
}

/** A DEADLINE_EXCEEDED this client's deadline raised (grpc-js's text), not one the node sent with its reason. */
export function isOwnDeadline(error: RpcError): boolean {
  return (
    error.status === GrpcStatus.DEADLINE_EXCEEDED &&
    (error.details === '' || error.details.startsWith('Deadline exceeded'))
  )
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
