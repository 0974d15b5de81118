import { Container, ContainerModule } from 'inversify'
import { NodeDriver } from '../core/node/node-driver.js'
import { Clock } from '../core/ports/clock.js'
import { FailureInjector } from '../core/ports/failure-injector.js'
import { Hasher } from '../core/ports/hasher.js'
import { Metrics, NO_METRICS } from '../core/ports/metrics.js'
import { Persistence } from '../core/ports/persistence.js'
import { QuorumStrategy } from '../core/ports/quorum-strategy.js'
import { Transport } from '../core/ports/transport.js'
import type { NodeId } from '../core/protocol/messages.js'
import { RegisterNode } from '../core/protocol/register-node.js'
import type { ReplicationScheme } from '../core/scheme/replication-scheme.js'
import type { NodeSettings } from '../core/settings/node-settings.js'
import { failureModule } from './failure/failure-module.js'
import { inlineHasherModule } from './inline-hasher/inline-hasher-module.js'
import { workerPoolHasherModule } from './worker-pool-hasher/worker-pool-hasher-module.js'
import { levelPersistenceModule } from './level-persistence/level-persistence-module.js'
import { memoryPersistenceModule } from './memory-persistence/memory-persistence-module.js'
import { quorumModule } from './quorum/quorum-module.js'
import { systemClockModule } from './system-clock/system-clock-module.js'

/** Who this node is and what it runs with. */
export interface NodeIdentity {
  readonly self: NodeId
  readonly scheme: ReplicationScheme
  readonly settings: NodeSettings
  /** This incarnation's epoch; must grow across restarts of the same node. */
  readonly epoch: bigint
}

export const NodeIdentity = Symbol('NodeIdentity')

/**
 * Assembles one node from its settings: a module per port, then the driver. `transport` is the module of the
 * transport the settings name (the caller builds it: it may need a shared network or a server); `overrides`
 * are loaded last and may rebind anything, as tests do.
 */
export function createNodeContainer(identity: NodeIdentity, transport: ContainerModule,
  overrides: readonly ContainerModule[] = []): Container {
  const container = new Container()
  container.load(
    new ContainerModule(({ bind }) => { bind<NodeIdentity>(NodeIdentity).toConstantValue(identity) }),
    quorumModule(identity.settings.quorum),
    failureModule,
    persistenceModuleFor(identity.settings, identity.self),
    hasherModuleFor(identity.settings),
    systemClockModule,
    transport,
    driverModule,
  )
  for (const module of overrides) container.load(module)
  return container
}

function persistenceModuleFor(settings: NodeSettings, self: NodeId): ContainerModule {
  if (settings.persistence.kind === 'memory') return memoryPersistenceModule
  return levelPersistenceModule(settings.persistence.dataDir, self)
}

function hasherModuleFor(settings: NodeSettings): ContainerModule {
  if (settings.hasher === 'inline') return inlineHasherModule
  return workerPoolHasherModule({ threads: settings.hashThreads, chunkValues: settings.hashChunkValues })
}

/** A block of request ids per incarnation (2^20 blocks of 2^32: exact in a JS number). */
export function reqIdBaseOf(epoch: bigint): number {
  return Number(epoch % 2n ** 20n) * 2 ** 32
}

const driverModule = new ContainerModule(({ bind }) => {
  bind(NodeDriver).toDynamicValue((ctx) => {
    const { self, scheme, settings, epoch } = ctx.get<NodeIdentity>(NodeIdentity)
    const node = new RegisterNode({
      self, scheme, epoch, quorum: ctx.get<QuorumStrategy>(QuorumStrategy), maxDomainSize: settings.maxDomainSize,
      limits: { maxQueuedWrites: settings.maxQueuedWrites, maxConcurrentReads: settings.maxConcurrentReads },
      reqIdBase: reqIdBaseOf(epoch), leases: { leaseMs: settings.readLeaseMs, driftRate: settings.clockDriftRate,
        survey: settings.persistence.kind === 'memory' },
    })
    const clock = ctx.get<Clock>(Clock)
    const failures = ctx.get<FailureInjector>(FailureInjector)
    const startMs = clock.nowMs()
    for (const event of settings.failSilent) {
      if (event.node === self) failures.silence(self, event.token, startMs + event.afterMs)
    }
    return new NodeDriver(node, {
      transport: ctx.get<Transport>(Transport), persistence: ctx.get<Persistence>(Persistence),
      hasher: ctx.get<Hasher>(Hasher), clock, failures, metrics: ctx.get<Metrics>(Metrics, { optional: true }) ?? NO_METRICS,
    }, { maxOperationMs: settings.operationTimeoutMs, maxParked: settings.maxParked })
  }).inSingletonScope()
})
