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
import type { RecoveryTiming } from '../core/protocol/replica-recovery.js'
import type { ReplicationScheme } from '../core/scheme/replication-scheme.js'
import type { NodeSettings } from './node-settings.js'
import { failureModule } from '../plugins/failure/failure-module.js'
import { inlineHasherModule } from '../plugins/inline-hasher/inline-hasher-module.js'
import { workerPoolHasherModule } from '../plugins/worker-pool-hasher/worker-pool-hasher-module.js'
import { logPersistenceModule } from '../plugins/log-persistence/log-persistence-module.js'
import { memoryPersistenceModule } from '../plugins/memory-persistence/memory-persistence-module.js'
import { quorumModule } from '../plugins/quorum/quorum-module.js'
import { systemClockModule } from '../plugins/system-clock/system-clock-module.js'

/** Who this node is and what it runs with. */
export interface NodeIdentity {
  readonly self: NodeId
  readonly scheme: ReplicationScheme
  readonly settings: NodeSettings
  /**
   * This incarnation's writer epoch (see Timestamp): unique per start, normally above every earlier one (a durable
   * counter or wall-clock ms as its generation, `epochOf`); a writer whose epoch went backwards is told by the
   * replicas' fences and moves above them.
   */
  readonly epoch: bigint
  /** A random id of this process start (see RegisterNodeConfig.incarnation). */
  readonly incarnation: number
}

export const NodeIdentity = Symbol('NodeIdentity')

/**
 * Assembles one node from its settings: a module per port, then the driver. `transport` is the module of the
 * transport the settings name (the caller builds it: it may need a shared network or a server); `overrides`
 * are loaded last and may rebind anything, as tests do.
 */
export function createNodeContainer(
  identity: NodeIdentity,
  transport: ContainerModule,
  overrides: readonly ContainerModule[] = [],
): Container {
  const container = new Container()
  container.load(
    new ContainerModule(({ bind }) => {
      bind<NodeIdentity>(NodeIdentity).toConstantValue(identity)
    }),
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

/**
 * The plugins a node can run, registered by the kind its settings name: adding a persistence or a hasher is its
 * plugin folder plus one line here (and its kind in NodeSettings). Each factory reads the settings it needs.
 */
const PERSISTENCE_PLUGINS: {
  readonly [K in NodeSettings['persistence']['kind']]: (settings: NodeSettings, self: NodeId) => ContainerModule
} = {
  memory: () => memoryPersistenceModule,
  durable: (settings, self) => logPersistenceModule((settings.persistence as { dataDir: string }).dataDir, self),
}

const HASHER_PLUGINS: { readonly [K in NodeSettings['hasher']]: (settings: NodeSettings) => ContainerModule } = {
  inline: () => inlineHasherModule,
  'worker-pool': (settings) =>
    workerPoolHasherModule({ threads: settings.hashThreads, chunkValues: settings.hashChunkValues }),
}

function persistenceModuleFor(settings: NodeSettings, self: NodeId): ContainerModule {
  return PERSISTENCE_PLUGINS[settings.persistence.kind](settings, self)
}

function hasherModuleFor(settings: NodeSettings): ContainerModule {
  return HASHER_PLUGINS[settings.hasher](settings)
}

/**
 * How a replica without its earlier state recovers (ReplicaRecovery): it may trust a read quorum alone once every
 * round that could count one of its lost acks has ended, i.e. after the longest operation on any node's clock
 * (drift stretches it both ways); it asks again every twentieth of that, within [10 ms, 250 ms].
 */
export function recoveryTimingOf(settings: NodeSettings): RecoveryTiming {
  const drift = settings.clockDriftRate
  const settleMs = Math.ceil((settings.operationTimeoutMs * (1 + drift)) / (1 - drift)) + 1
  return { settleMs, retryMs: Math.min(250, Math.max(10, Math.floor(settleMs / 20))) }
}

const driverModule = new ContainerModule(({ bind }) => {
  bind(NodeDriver)
    .toDynamicValue((ctx) => {
      const { self, scheme, settings, epoch, incarnation } = ctx.get<NodeIdentity>(NodeIdentity)
      // Every replica recovers tokens the persistence holds no copy of (all of them in memory mode): see restore.
      const node = new RegisterNode({
        self,
        scheme,
        epoch,
        incarnation,
        recovery: recoveryTimingOf(settings),
        quorum: ctx.get<QuorumStrategy>(QuorumStrategy),
        maxDomainSize: settings.maxDomainSize,
        limits: { maxQueuedWrites: settings.maxQueuedWrites, maxConcurrentReads: settings.maxConcurrentReads },
        leases: {
          leaseMs: settings.readLeaseMs,
          driftRate: settings.clockDriftRate,
          survey: settings.persistence.kind === 'memory',
        },
      })
      const clock = ctx.get<Clock>(Clock)
      const failures = ctx.get<FailureInjector>(FailureInjector)
      const startMs = clock.nowMs()
      for (const event of settings.failSilent) {
        if (event.node === self) failures.silence(self, event.token, startMs + event.afterMs)
      }
      return new NodeDriver(
        node,
        {
          transport: ctx.get<Transport>(Transport),
          persistence: ctx.get<Persistence>(Persistence),
          hasher: ctx.get<Hasher>(Hasher),
          clock,
          failures,
          metrics: ctx.get<Metrics>(Metrics, { optional: true }) ?? NO_METRICS,
        },
        {
          maxOperationMs: settings.operationTimeoutMs,
          maxParked: settings.maxParked,
          stallThresholdMs: Math.max(2, settings.readLeaseMs * settings.clockDriftRate),
        },
      )
    })
    .inSingletonScope()
})
