/**
 * atomic-token-manager as a library: a typed client of a cluster, an embeddable node, a local cluster for tests,
 * and tm-server as a child process for tests that kill, restart or profile a node. The protocol core, plugins and
 * command-line tools are not part of this API.
 */
export {
  TokenManagerClient,
  type CallOptions,
  type ClientOptions,
  type NodeTraceSpans,
  type ReadOptions,
} from './client/token-manager-client.js'
export type { RecentOperation, TraceSpan, TraceSpanEvent } from './client/trace-results.js'
export { type TraceTreeNode, traceTree } from './client/trace-tree.js'
export type { ClientSecurity, ClientTls, ReconnectBackoff } from './client/node-channels.js'
export { type CallFailure, callFailureOf } from './client/call-failure.js'
export { traceIdOf } from './client/call-trace.js'
export type { Argmin, LifecycleResult, ReadResult, TokenWrite, Version, WriteResult } from './client/wire-results.js'
export type { FailSilentResult, LeaseHolder, NodeStatus, TokenStatus, TokenValueKind } from './client/admin-results.js'
export type { HistoryRecord } from './client/history-records.js'
export {
  AlreadyExistsError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  NotAuthorizedError,
  NotFoundError,
  OutcomeUnknownError,
  OverloadedError,
  TokenManagerError,
  UnavailableError,
  WrongNodeError,
  WrongNodeForTokenError,
} from './client/client-errors.js'
export type { TokenScheme } from './core/scheme/replication-scheme.js'
export { type EmbeddedNode, type NodeOptions, startTokenManagerNode } from './node/embedded-node.js'
export { type LocalCluster, type LocalClusterOptions, startLocalCluster } from './node/local-cluster.js'
export {
  type ServerPersistence,
  type ServerProcess,
  type ServerProcessOptions,
  startServerProcess,
} from './node/server-process.js'
export type { LaunchOptions, StartedProcess } from './node/start-process.js'
