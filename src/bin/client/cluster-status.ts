import { status as GrpcStatus } from '@grpc/grpc-js'
import { withAdminClient } from './admin-client.js'
import type { StatusReply } from './admin-client.js'
import { ExitCode } from './exit-codes.js'
import { describeFailure } from './failure.js'
import { cleanDetails, isNoAnswer, isOwnDeadline, RpcError, statusName } from './rpc-error.js'

/** One node's answer to AdminService.Status, or why there is none. `node` is the address that was asked. */
export type NodeStatus =
  | { readonly node: string; readonly ok: true; readonly reply: StatusReply }
  | { readonly node: string; readonly ok: false; readonly error: string; readonly exitCode: ExitCode }

/** Asks every node in parallel, each with its own deadline; never throws for a node that fails. Keeps `nodes` order. */
export function queryClusterStatus(nodes: readonly string[], timeoutMs: number): Promise<NodeStatus[]> {
  return Promise.all(nodes.map((node) => queryNode(node, timeoutMs)))
}

async function queryNode(node: string, timeoutMs: number): Promise<NodeStatus> {
  try {
    const reply = await withAdminClient(node, timeoutMs, (client) => client.status())
    return { node, ok: true, reply }
  } catch (error) {
    return { node, ok: false, error: reasonOf(error), exitCode: exitCodeOf(error) }
  }
}

/** Why a node gave no status, without repeating its address (the output already names it). */
function reasonOf(error: unknown): string {
  if (!(error instanceof RpcError)) return describeFailure(error).message
  const details = cleanDetails(error.details)
  if (error.status === GrpcStatus.UNAVAILABLE) return details === '' ? 'unavailable' : details
  if (isOwnDeadline(error)) return `no answer within ${error.timeoutMs} ms`
  return details === '' ? statusName(error.status) : `${statusName(error.status)}: ${details}`
}

function exitCodeOf(error: unknown): ExitCode {
  return error instanceof RpcError && isNoAnswer(error) ? ExitCode.noAnswer : describeFailure(error).exitCode
}

/** 0 when every node answered; 7 (no answer) when any did not; otherwise the first node's error's code. */
export function clusterExitCode(nodes: readonly NodeStatus[]): ExitCode {
  const failed = nodes.flatMap((n) => (n.ok ? [] : [n.exitCode]))
  if (failed.includes(ExitCode.noAnswer)) return ExitCode.noAnswer
  return failed[0] ?? ExitCode.ok
}
