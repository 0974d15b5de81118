import { ReflectionService } from '@grpc/reflection'
import type { NodeDriver } from '../../core/node/node-driver.js'
import { BoundedHealth } from './bounded-health.js'
import type { GrpcServerHost } from './grpc-server-host.js'
import { tokenManagerDefinition } from './proto.js'

export const SERVICES = ['tokenmanager.v1.TokenService', 'tokenmanager.v1.ReplicaService', 'tokenmanager.v1.AdminService']

/** The health service name of one token on this node: NOT_SERVING once the node is silent for it. */
export const tokenHealthName = (token: string): string => `tokenmanager.v1.Token/${token}`

/**
 * The standard gRPC health service (per node: '' and each service; per token: see tokenHealthName) and server
 * reflection, so generic tools (grpcurl, grpc_health_probe) work without our .proto.
 */
export class HealthAndReflection {
  private readonly health: BoundedHealth

  constructor(private readonly driver: NodeDriver) {
    // Every name the node will ever report, fixed now: clients cannot add names by asking for them.
    this.health = new BoundedHealth(new Set(['', ...SERVICES, ...driver.node.tokens().map(tokenHealthName)]))
    this.health.setStatus('', 'NOT_SERVING')
  }

  register(host: GrpcServerHost): void {
    this.health.addToServer(host.server)
    new ReflectionService(tokenManagerDefinition()).addToServer(host.server)
  }

  serving(): void {
    this.health.setStatus('', 'SERVING')
    for (const service of SERVICES) this.health.setStatus(service, 'SERVING')
    this.refreshTokens()
  }

  /** Re-reads which tokens are silent; call after a fail-silent change takes effect. */
  refreshTokens(): void {
    for (const status of this.driver.status()) {
      this.health.setStatus(tokenHealthName(status.token), status.silent ? 'NOT_SERVING' : 'SERVING')
    }
  }

  /** Refreshes the token statuses when a silence scheduled for `atMs` (driver clock) takes effect. */
  refreshAt(atMs: number): void {
    this.refreshTokens()
    const delayMs = atMs - this.driver.nowMs()
    if (delayMs > 0) setTimeout(() => this.refreshTokens(), delayMs + 1).unref()
  }

  stopping(): void {
    this.health.setStatus('', 'NOT_SERVING')
    for (const service of SERVICES) this.health.setStatus(service, 'NOT_SERVING')
  }
}
