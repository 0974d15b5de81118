import type { Metadata } from '@grpc/grpc-js'
import { callFailureOf, isNoAnswer, withCallFailure } from './call-failure.js'
import { errorOfCall } from './call-errors.js'
import { DeadlineExceededError, UnavailableError } from './client-errors.js'
import type { NodeChannels } from './node-channels.js'
import type { WireReadReply } from './wire-results.js'

export interface FailoverRead {
  readonly id: string
  /** The readers to try, in order. */
  readonly readers: readonly string[]
  /** The readers by the client's scheme, named in a wrong-node error. */
  readonly expected: readonly string[]
  /** The whole read's deadline, every attempt included. */
  readonly timeoutMs: number
  /** One attempt's deadline (never more than what is left). */
  readonly attemptMs: number
  readonly call: {
    readonly signal?: AbortSignal | undefined
    readonly onRetry?: ((failure: Error, next: string) => void) | undefined
  }
  readonly metadata?: Metadata | undefined
}

/**
 * Reads from each reader in turn while time is left. Only "no answer" (DEADLINE_EXCEEDED, UNAVAILABLE) moves on:
 * a read changes nothing, so asking elsewhere is always safe, while any other answer (not found, wrong node, ...)
 * is the register's and ends the read.
 */
export async function readWithFailover(channels: NodeChannels, read: FailoverRead): Promise<WireReadReply> {
  const deadlineMs = Date.now() + read.timeoutMs
  const failures: Error[] = []
  for (const [i, reader] of read.readers.entries()) {
    const attemptMs = Math.min(deadlineMs - Date.now(), read.attemptMs)
    if (attemptMs <= 0) break
    try {
      const request = { id: read.id }
      const { signal } = read.call
      return await channels.call<WireReadReply>(
        reader,
        'TokenService',
        'Read',
        request,
        attemptMs,
        signal,
        read.metadata,
      )
    } catch (error) {
      const failure = errorOfCall(error, { node: reader, timeoutMs: attemptMs, expected: read.expected })
      const how = callFailureOf(failure)
      if (how === undefined || !isNoAnswer(how) || read.call.signal?.aborted) throw failure
      failures.push(failure)
      const next = read.readers[i + 1]
      if (next !== undefined) read.call.onRetry?.(failure, next)
    }
  }
  throw noReaderAnswered(read.id, failures)
}

/** No reader answered: DEADLINE_EXCEEDED when each ran out of time, else UNAVAILABLE; the message names each try. */
function noReaderAnswered(id: string, failures: readonly Error[]): Error {
  if (failures.length === 0) return new DeadlineExceededError(`read of token ${id}: no time left to ask a reader`)
  const allDeadlines = failures.every((f) => f instanceof DeadlineExceededError)
  const message =
    failures.length === 1
      ? `read of token ${id}: ${failures[0]!.message}`
      : `no reader answered for token ${id} (${failures.length} tried): ${failures.map((f) => f.message).join('; ')}`
  const error = allDeadlines ? new DeadlineExceededError(message) : new UnavailableError(message)
  const last = callFailureOf(failures.at(-1))!
  return withCallFailure(error, { ...last, status: allDeadlines ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE' })
}
