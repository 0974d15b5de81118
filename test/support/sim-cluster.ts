import 'reflect-metadata'
import { ContainerModule } from 'inversify'
import { NodeDriver } from '../../src/core/node/node-driver.js'
import { Clock } from '../../src/core/ports/clock.js'
import { FailureInjector } from '../../src/core/ports/failure-injector.js'
import { Metrics, NO_METRICS } from '../../src/core/ports/metrics.js'
import type { RoundEvent } from '../../src/core/protocol/outbox.js'
import { QuorumStrategy } from '../../src/core/ports/quorum-strategy.js'
import type { NodeId } from '../../src/core/protocol/messages.js'
import { ReplicationScheme, type TokenScheme } from '../../src/core/scheme/replication-scheme.js'
import { type NodeSettings, resolveSettings } from '../../src/core/settings/node-settings.js'
import { ScheduledFailureInjector } from '../../src/plugins/failure/scheduled-failure-injector.js'
import { inProcessTransportModule } from '../../src/plugins/in-process/in-process-module.js'
import { SeededRandom } from '../../src/plugins/in-process/seeded-random.js'
import { type NetworkOptions, SimulatedNetwork } from '../../src/plugins/in-process/simulated-network.js'
import { SimulatedTime } from '../../src/plugins/in-process/simulated-time.js'
import { createNodeContainer } from '../../src/plugins/node-container.js'
import { DriftingClock, DriftingFailures } from './drifting-clock.js'
import { epochOf } from '../../src/core/protocol/timestamp.js'

export interface SimClusterOptions {
  readonly seed: number
  readonly scheme: readonly TokenScheme[]
  readonly network: NetworkOptions
  readonly settings?: Partial<NodeSettings>
  /** Replaces the settings' quorum strategy (tests use it to break the protocol on purpose). */
  readonly quorum?: QuorumStrategy
  /** Each node's clock runs at a rate drawn from [1 - clockDrift, 1 + clockDrift] of real time (default 0). */
  readonly clockDrift?: number
}

/**
 * A whole cluster in one process on virtual time: production containers with the clock, transport and failure
 * injector rebound to simulated ones. Everything random comes from `seed`.
 */
export class SimCluster {
  readonly time = new SimulatedTime()
  readonly random: SeededRandom
  readonly network: SimulatedNetwork
  readonly failures = new ScheduledFailureInjector()
  readonly scheme: ReplicationScheme
  readonly drivers = new Map<NodeId, NodeDriver>()
  /** Quorum rounds completed, and reads answered locally under a lease ('local'), over all nodes. */
  readonly rounds: Record<RoundEvent['phase'], number> = { learn: 0, write: 0, query: 0, impose: 0, local: 0 }

  private constructor(readonly options: SimClusterOptions) {
    this.random = new SeededRandom(options.seed)
    this.network = new SimulatedNetwork(this.time, this.random.fork(), options.network)
    this.scheme = new ReplicationScheme(options.scheme)
  }

  static async start(options: SimClusterOptions): Promise<SimCluster> {
    const cluster = new SimCluster(options)
    const settings = resolveSettings({ transport: 'in-process', hasher: 'inline', ...options.settings })
    const drift = options.clockDrift ?? 0
    for (const self of cluster.scheme.nodes()) {
      const rate = drift === 0 ? 1 : 1 - drift + 2 * drift * cluster.random.next()
      const clock = rate === 1 ? undefined : new DriftingClock(cluster.time, rate)
      const overrides = new ContainerModule(({ bind, rebind }) => {
        rebind<Clock>(Clock).toConstantValue(clock ?? cluster.time)
        rebind<FailureInjector>(FailureInjector).toConstantValue(clock ? new DriftingFailures(cluster.failures, clock, cluster.time) : cluster.failures)
        bind<Metrics>(Metrics).toConstantValue({ ...NO_METRICS, roundDone: (event) => { cluster.rounds[event.phase]++ } })
        if (options.quorum) rebind<QuorumStrategy>(QuorumStrategy).toConstantValue(options.quorum)
      })
      const incarnation = cluster.random.int(1, 2 ** 30)
      const container = createNodeContainer({ self, scheme: cluster.scheme, settings, epoch: epochOf(1n, incarnation), incarnation },
        inProcessTransportModule(cluster.network), [overrides])
      const driver = container.get(NodeDriver)
      await driver.start()
      cluster.drivers.set(self, driver)
    }
    return cluster
  }

  driver(node: NodeId): NodeDriver {
    const driver = this.drivers.get(node)
    if (driver === undefined) throw new Error(`no node ${node}`)
    return driver
  }

  async stop(): Promise<void> {
    for (const driver of this.drivers.values()) await driver.stop()
  }
}
