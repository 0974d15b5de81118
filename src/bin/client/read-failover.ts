import { status as GrpcStatus } from '@grpc/grpc-js'
import { readerOrder } from '../../client/reader-order.js'
import { ClientError } from './client-error.js'
import { ExitCode } from './exit-codes.js'
import { isNoAnswer, RpcError, whyNoAnswer } from './rpc-error.js'
import { withTokenClient } from './token-client.js'
import type { ReadReply } from './token-client.js'

export interface FailoverOptions {
  readonly timeoutMs: number
  /** false: exactly one attempt, on the first reader of the random order. */
  readonly failover: boolean
  readonly random?: () => number
  /** Told before each retry: which node failed how, and which one is next. */
  readonly onRetry?: (failed: RpcError, next: string) => void
}

export { readerOrder } from '../../client/reader-order.js'

/**
 * Reads `id` from a random reader; if it does not answer (DEADLINE_EXCEEDED, UNAVAILABLE), tries another untried
 * one, each attempt with its own deadline. Reads change nothing, so retrying elsewhere is always safe. Any other
 * failure (not found, wrong node, ...) is the register's answer and ends the read at once.
 */
export async function readWithFailover(
  id: string,
  readers: readonly string[],
  options: FailoverOptions,
): Promise<ReadReply> {
  const order = readerOrder(readers, options.random)
  const attempts = options.failover ? order : order.slice(0, 1)
  const failures: RpcError[] = []
  for (const [i, node] of attempts.entries()) {
    try {
      return await withTokenClient(node, options.timeoutMs, (client) => client.read(id))
    } catch (error) {
      if (!(error instanceof RpcError) || !isNoAnswer(error)) throw error
      failures.push(error)
      const next = attempts[i + 1]
      if (next !== undefined) options.onRetry?.(error, next)
    }
  }
  throw noAnswer(id, failures)
}

function noAnswer(id: string, failures: readonly RpcError[]): ClientError {
  const allDeadlines = failures.every((f) => f.status === GrpcStatus.DEADLINE_EXCEEDED)
  const status = allDeadlines ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE'
  if (failures.length === 1)
    return new ClientError(`read of token ${id}: ${whyNoAnswer(failures[0]!)}`, ExitCode.noAnswer, status)
  const each = failures.map(whyNoAnswer).join('; ')
  return new ClientError(
    `no reader answered for token ${id} (${failures.length} tried): ${each}`,
    ExitCode.noAnswer,
    status,
  )
}
