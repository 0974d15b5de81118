import { join } from 'node:path'
import type { TokenScheme } from '../core/scheme/replication-scheme.js'
import { TokenManagerClient, type ClientOptions } from '../client/token-manager-client.js'
import type { LogLevel } from '../plugins/grpc/node-logger.js'
import { freePorts } from './free-ports.js'
import { type EmbeddedNode, type NodeOptions, startTokenManagerNode } from './embedded-node.js'

export interface LocalClusterOptions {
  /** How many nodes (3). Every token is stored on every node; token i is written by node i mod n. */
  readonly nodes?: number
  /** Token ids (default '1' to '10'). */
  readonly tokens?: readonly string[]
  /** Keep each node's state in `<dataDir>/<ip>_<port>`; in memory when unset. */
  readonly dataDir?: string
  /** Node log level (default 'error': the nodes are plaintext, and each would warn about it). */
  readonly logLevel?: LogLevel
  readonly settings?: NodeOptions['settings']
}

export interface LocalCluster {
  readonly nodes: readonly string[]
  readonly scheme: readonly TokenScheme[]
  /** A client of this cluster (plaintext); close it, or close the cluster, which closes the clients it made. */
  client(options?: Omit<ClientOptions, 'scheme' | 'tls' | 'insecure'>): TokenManagerClient
  /** Stops every node and closes the clients made by client(). */
  close(): Promise<void>
}

/**
 * Starts a plaintext cluster of `nodes` token manager nodes in this process, on free ports of 127.0.0.1: for
 * tests and examples. Every node serves gRPC as tm-server does, so other processes can use it too.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const count = options.nodes ?? 3
  const nodes = (await freePorts(count)).map((port) => `127.0.0.1:${port}`)
  const tokens = options.tokens ?? Array.from({ length: 10 }, (_, i) => String(i + 1))
  const scheme: TokenScheme[] = tokens.map((token, i) => ({ token, writer: nodes[i % count]!, readers: nodes }))
  const started: EmbeddedNode[] = []
  const clients: TokenManagerClient[] = []
  const close = async (): Promise<void> => {
    for (const client of clients.splice(0)) client.close()
    await Promise.all(started.map((node) => node.close()))
  }
  try {
    for (const address of nodes) {
      const dataDir = options.dataDir === undefined ? undefined : join(options.dataDir, address.replace(':', '_'))
      started.push(
        await startTokenManagerNode({
          address,
          scheme,
          insecure: true,
          logLevel: options.logLevel ?? 'error',
          ...(dataDir !== undefined && { dataDir }),
          ...(options.settings !== undefined && { settings: options.settings }),
        }),
      )
    }
  } catch (error) {
    await close()
    throw error
  }
  return {
    nodes,
    scheme,
    close,
    client: (clientOptions = {}) => {
      const client = new TokenManagerClient({ ...clientOptions, scheme, insecure: true })
      clients.push(client)
      // A client closed by its user leaves the list: a cluster that hands out many clients holds only the open ones.
      const close = client.close.bind(client)
      client.close = () => {
        const index = clients.indexOf(client)
        if (index >= 0) clients.splice(index, 1)
        close()
      }
      return client
    },
  }
}
