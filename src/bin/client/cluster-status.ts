import type { NodeStatus as StatusReply } from '../../client/admin-results.js'
import { callFailureOf, cleanDetails, isNoAnswer, isOwnDeadline } from '../../client/call-failure.js'
import type { TokenManagerClient } from '../../client/token-manager-client.js'
import { ExitCode } from './exit-codes.js'
import { describeFailure } from './failure.js'

/** One node's answer to AdminService.Status, or why there is none. `node` is the address that was asked. */
export type NodeStatus =
  | { readonly node: string; readonly ok: true; readonly reply: StatusReply }
  | { readonly node: string; readonly ok: false; readonly error: string; readonly exitCode: ExitCode }

/** Asks every node in parallel, each with its own deadline; never throws for a node that fails. Keeps `nodes` order. */
export function queryClusterStatus(
  client: TokenManagerClient,
  nodes: readonly string[],
  timeoutMs: number,
): Promise<NodeStatus[]> {
  return Promise.all(nodes.map((node) => queryNode(client, node, timeoutMs)))
}

async function queryNode(client: TokenManagerClient, node: string, timeoutMs: number): Promise<NodeStatus> {
  try {
    return { node, ok: true, reply: await client.status(node, { timeoutMs }) }
  } catch (error) {
    return { node, ok: false, error: reasonOf(error), exitCode: exitCodeOf(error) }
  }
}

/** Why a node gave no status, without repeating its address (the output already names it). */
function reasonOf(error: unknown): string {
  const failure = callFailureOf(error)
  if (failure === undefined) return describeFailure(error).message
  const details = cleanDetails(failure.details)
  if (failure.status === 'UNAVAILABLE') return details === '' ? 'unavailable' : details
  if (isOwnDeadline(failure)) return `no answer within ${failure.timeoutMs} ms`
  return details === '' ? failure.status : `${failure.status}: ${details}`
}

function exitCodeOf(error: unknown): ExitCode {
  const failure = callFailureOf(error)
  return failure !== undefined && isNoAnswer(failure) ? ExitCode.noAnswer : describeFailure(error).exitCode
}

/** 0 when every node answered; 7 (no answer) when any did not; otherwise the first node's error's code. */
export function clusterExitCode(nodes: readonly NodeStatus[]): ExitCode {
  const failed = nodes.flatMap((n) => (n.ok ? [] : [n.exitCode]))
  if (failed.includes(ExitCode.noAnswer)) return ExitCode.noAnswer
  return failed[0] ?? ExitCode.ok
}
