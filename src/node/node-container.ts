import { Container, ContainerModule } from 'inversify'
import { NodeDriver } from '../core/node/node-driver.js'
import { Clock } from '../core/ports/clock.js'
import { FailureInjector } from '../core/ports/failure-injector.js'
import { Hasher } from '../core/ports/hasher.js'
import { Metrics, NO_METRICS } from '../core/ports/metrics.js'
import { Persistence } from '../core/ports/persistence.js'
import { QuorumStrategy } from '../core/ports/quorum-strategy.js'
import { Transport } from '../core/ports/transport.js'
import { NO_TRACER, Tracer } from '../core/ports/tracer.js'
import type { NodeId } from '../core/protocol/messages.js'
import { RegisterNode } from '../core/protocol/register-node.js'
import type { RecoveryTiming } from '../core/protocol/replica-recovery.js'
import type { ResendTiming } from '../core/protocol/quorum-round.js'
import type { ReplicationScheme } from '../core/scheme/replication-scheme.js'
import type { NodeSettings } from './node-settings.js'
import { failureModule } from '../plugins/failure/failure-module.js'
import { systemClockModule } from '../plugins/system-clock/system-clock-module.js'
import { NODE_PLUGINS } from './node-plugins.js'
import { type PluginRegistry, SLOTS } from './plugin-registry.js'

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

/** How quorum rounds resend unanswered requests: resendTimingOf(settings), or 'off' (a broken variant's nodes). */
export type ResendPolicy = ResendTiming | 'off'

export const ResendPolicy = Symbol('ResendPolicy')

export interface NodeContainerOptions {
  /** The registrations the settings' plugin sections name kinds of (default NODE_PLUGINS). */
  readonly plugins?: PluginRegistry
  /** Loaded last; they may rebind anything, as tests do. */
  readonly overrides?: readonly ContainerModule[]
}

/**
 * Assembles one node from its settings: for each slot the module of the plugin its section names, the failure
 * injector and the system clock (one implementation each, which simulations rebind), then the driver.
 */
export function createNodeContainer(identity: NodeIdentity, options: NodeContainerOptions = {}): Container {
  const plugins = options.plugins ?? NODE_PLUGINS
  const container = new Container()
  container.load(
    new ContainerModule(({ bind }) => {
      bind<NodeIdentity>(NodeIdentity).toConstantValue(identity)
      bind<ResendPolicy>(ResendPolicy).toConstantValue(resendTimingOf(identity.settings))
    }),
    ...SLOTS.map((slot) => plugins.moduleFor(slot, identity.settings[slot], identity)),
    failureModule,
    systemClockModule,
    driverModule,
  )
  for (const module of options.overrides ?? []) container.load(module)
  return container
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

/**
 * When quorum rounds send a request again to the replicas that have not answered: a twenty-fifth of the operation
 * timeout (within [10 ms, 250 ms]), each gap twice the last up to a fifth of it (at most a second). A healthy round
 * ends in milliseconds, so the first copy goes only after a loss or a long stall; a round resends at most
 * log2(maxMs / firstMs) + operationTimeoutMs / maxMs times before its deadline ends it (about 8 by default). Due
 * times are multiples of a quarter of the first gap, so a node's rounds share ticks.
 */
export function resendTimingOf(settings: NodeSettings): ResendTiming {
  const firstMs = Math.min(250, Math.max(10, Math.floor(settings.operationTimeoutMs / 25)))
  const maxMs = Math.min(1_000, Math.max(firstMs, Math.floor(settings.operationTimeoutMs / 5)))
  return { firstMs, maxMs, gridMs: Math.max(1, Math.floor(firstMs / 4)) }
}

const driverModule = new ContainerModule(({ bind }) => {
  bind(NodeDriver)
    .toDynamicValue((ctx) => {
      const { self, scheme, settings, epoch, incarnation } = ctx.get<NodeIdentity>(NodeIdentity)
      const resend = ctx.get<ResendPolicy>(ResendPolicy)
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
        // The writer's stores leave while it saves its own copy, so even a durable writer's disk may miss a version
        // it sent: every writer surveys the replicas after a restart before it grants a read lease.
        storesBeforeSave: true,
        ...(resend !== 'off' && { resend }),
        leases: { leaseMs: settings.readLeaseMs, driftRate: settings.clockDriftRate, survey: true },
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
          tracer: ctx.get<Tracer>(Tracer, { optional: true }) ?? NO_TRACER,
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
