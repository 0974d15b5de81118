import { InvalidArgumentError } from '../core/errors.js'
import { type NodeSettingsInput, resolveSettings } from './node-settings.js'
import { startNode } from './start-node.js'
import { type LogLevel, NodeLogger } from '../plugins/grpc/node-logger.js'
import { type SchemeSource, schemeOf } from '../plugins/yaml-config/scheme-file.js'

export interface NodeOptions {
  /** This node's access point in the scheme (`ip:port`). */
  readonly address: string
  /** The replication scheme: a file (YAML), entries, or a loaded scheme. */
  readonly scheme: SchemeSource
  /** Keep state durably in this dir; without it the node keeps state in memory (lost on close). */
  readonly dataDir?: string
  /** Plaintext: required unless `settings.security` names the TLS files (as tm-server's --insecure). */
  readonly insecure?: boolean
  /** JSON log lines to stderr at this level and above (default 'warn'). */
  readonly logLevel?: LogLevel
  /** Any other node setting (operationTimeoutMs, readLeaseMs, quorum, security, ...), as in a settings file. */
  readonly settings?: Omit<NodeSettingsInput, 'persistence'>
}

export interface EmbeddedNode {
  readonly address: string
  /** The port it listens on. */
  readonly port: number
  /** Stops serving: in-flight calls are answered or cancelled, the data dir is closed. Idempotent. */
  close(): Promise<void>
}

/** Starts one token manager node in this process, serving gRPC at `options.address`. */
export async function startTokenManagerNode(options: NodeOptions): Promise<EmbeddedNode> {
  if (options.insecure !== true && options.settings?.security === undefined) {
    throw new InvalidArgumentError('say how the node serves: insecure: true, or settings.security with its TLS files')
  }
  const settings = resolveSettings({
    ...options.settings,
    persistence: options.dataDir === undefined ? { kind: 'memory' } : { kind: 'durable', dataDir: options.dataDir },
  })
  const logger = new NodeLogger(options.logLevel ?? 'warn', { node: options.address })
  const running = await startNode(options.address, schemeOf(options.scheme), settings, logger)
  let closing: Promise<void> | undefined
  return {
    address: options.address,
    port: running.port,
    close: () => (closing ??= running.stop()),
  }
}
