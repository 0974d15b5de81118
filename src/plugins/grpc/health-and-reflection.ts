import type { NodeDriver } from '../../core/node/node-driver.js'
import { BoundedHealth, MAX_HEALTH_WATCHERS, type DerivedHealth } from './bounded-health.js'
import type { GrpcServerHost } from './grpc-server-host.js'
import { LazyReflection } from './lazy-reflection.js'
import { reflectionDefinition } from './reflection-definition.js'

export const SERVICES = [
  'tokenmanager.v1.TokenService',
  'tokenmanager.v1.ReplicaService',
  'tokenmanager.v1.AdminService',
]

/** setTimeout fires at once for a delay above 2^31-1 ms (about 24.8 days): longer waits go in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** The health service name of one token on this node: NOT_SERVING once the node is silent for it. */
export const tokenHealthName = (token: string): string => `${TOKEN_PREFIX}${token}`
const TOKEN_PREFIX = 'tokenmanager.v1.Token/'

/**
 * The standard gRPC health service (per node: '' and each service; per token: see tokenHealthName) and server
 * reflection, so generic tools (grpcurl, grpc_health_probe) work without our .proto.
 */
export class HealthAndReflection {
  private readonly health: BoundedHealth
  /** At most one pending refresh per token: the earliest silence wins, as in the failure injector. */
  private readonly refreshes = new Map<string, { readonly atMs: number; readonly timer: NodeJS.Timeout }>()
  /** Tokens report SERVING only between serving() and stopping(), and then only while the node is not silent for them. */
  private up = false

  constructor(private readonly driver: NodeDriver) {
    // Every name the node will ever report is fixed now (clients cannot add names by asking for them); a token's
    // status is read from the node when asked, as a node may hold 10^5 of them.
    const node = driver.node
    const tokenOf = (name: string): string | undefined =>
      name.startsWith(TOKEN_PREFIX) ? name.slice(TOKEN_PREFIX.length) : undefined
    const tokens: DerivedHealth = {
      size: node.tokenCount,
      has: (name) => {
        const token = tokenOf(name)
        return token !== undefined && node.serves(token)
      },
      status: (name) => (this.up && !node.isSilent(tokenOf(name)!) ? 'SERVING' : 'NOT_SERVING'),
      names: () => node.tokens().map(tokenHealthName),
    }
    this.health = new BoundedHealth(new Set(['', ...SERVICES]), MAX_HEALTH_WATCHERS, tokens)
    this.health.setStatus('', 'NOT_SERVING')
  }

  register(host: GrpcServerHost): void {
    this.health.addToServer(host.server)
    new LazyReflection(reflectionDefinition).addToServer(host.server)
  }

  serving(): void {
    this.health.setStatus('', 'SERVING')
    for (const service of SERVICES) this.health.setStatus(service, 'SERVING')
    this.up = true
    this.refreshTokens()
  }

  /** Tells the watchers of tokens whose silence changed; call after a fail-silent change takes effect. */
  refreshTokens(): void {
    this.health.refreshDerived()
  }

  /**
   * Refreshes the token statuses now and when a silence of `token` scheduled for `atMs` (driver clock) takes
   * effect. A later silence of the same token changes nothing (the earlier one stands), so a flood of FailSilent
   * calls holds one timer per token, not one per call.
   */
  refreshAt(token: string, atMs: number): void {
    this.refreshTokens()
    const pending = this.refreshes.get(token)
    if (pending !== undefined && pending.atMs <= atMs) return
    clearTimeout(pending?.timer)
    this.arm(token, atMs)
  }

  /** Pending refreshes (at most one per token). */
  get pendingRefreshes(): number {
    return this.refreshes.size
  }

  private arm(token: string, atMs: number): void {
    const delayMs = atMs - this.driver.nowMs()
    if (delayMs <= 0) {
      this.refreshes.delete(token)
      return
    }
    const timer = setTimeout(
      () => {
        if (atMs > this.driver.nowMs()) return this.arm(token, atMs)
        this.refreshes.delete(token)
        this.refreshTokens()
      },
      Math.min(delayMs + 1, MAX_TIMER_MS),
    ).unref()
    this.refreshes.set(token, { atMs, timer })
  }

  stopping(): void {
    for (const { timer } of this.refreshes.values()) clearTimeout(timer)
    this.refreshes.clear()
    this.up = false
    this.health.setStatus('', 'NOT_SERVING')
    for (const service of SERVICES) this.health.setStatus(service, 'NOT_SERVING')
    this.refreshTokens()
  }
}
