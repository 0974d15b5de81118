import 'reflect-metadata'
import { ContainerModule } from 'inversify'
import { NodeDriver } from '../core/node/node-driver.js'
import { Clock } from '../core/ports/clock.js'
import { FailureInjector } from '../core/ports/failure-injector.js'
import { Metrics, NO_METRICS } from '../core/ports/metrics.js'
import type { RoundEvent } from '../core/protocol/outbox.js'
import { QuorumStrategy } from '../core/ports/quorum-strategy.js'
import type { NodeId } from '../core/protocol/messages.js'
import { ReplicationScheme, type TokenScheme } from '../core/scheme/replication-scheme.js'
import { type NodeSettings, type NodeSettingsInput, resolveSettings } from '../node/node-settings.js'
import { NODE_PLUGINS } from '../node/node-plugins.js'
import type { PluginRegistry } from '../node/plugin-registry.js'
import { ScheduledFailureInjector } from '../plugins/failure/scheduled-failure-injector.js'
import { inProcessTransportPlugin } from '../plugins/in-process/in-process-module.js'
import { SeededRandom } from '../plugins/in-process/seeded-random.js'
import { type NetworkOptions, SimulatedNetwork } from '../plugins/in-process/simulated-network.js'
import { SimulatedTime } from '../plugins/in-process/simulated-time.js'
import { createNodeContainer, ResendPolicy } from '../node/node-container.js'
import { DriftingClock, DriftingFailures } from './drifting-clock.js'
import { SimDisk } from './sim-disk.js'
import { SuspendableClock } from './suspendable-clock.js'
import { Transport } from '../core/ports/transport.js'
import { Persistence } from '../core/ports/persistence.js'
import { epochOf } from '../core/protocol/timestamp.js'
import type { SimRecorder } from './sim-recorder.js'

export interface SimClusterOptions {
  readonly seed: number
  readonly scheme: readonly TokenScheme[]
  readonly network: NetworkOptions
  readonly settings?: NodeSettingsInput
  /** Replaces the settings' quorum strategy (tests use it to break the protocol on purpose). */
  readonly quorum?: QuorumStrategy
  /** Each node's clock runs at a rate drawn from [1 - clockDrift, 1 + clockDrift] of real time (default 0). */
  readonly clockDrift?: number
  /**
   * Broken variant: nodes restarted without their state vote at once with an empty copy (no ReplicaRecovery), as
   * before recovery existed.
   */
  readonly skipRecovery?: boolean
  /** Broken variant: quorum rounds never resend a request (one lost message costs the operation its deadline). */
  readonly noResend?: boolean
  /**
   * Nodes can be suspended (SimCluster.suspend): 'detect' gives them a wall clock to notice the stall by;
   * 'blind' does not (the broken variant: a resumed holder trusts its lease).
   */
  readonly suspendable?: 'detect' | 'blind'
  /** Records the run step by step for a replay page; it reads only, so the run is the same without it. */
  readonly recorder?: SimRecorder
}

/**
 * How a node comes back: without its state, with it, with it after dying between a persist and its send
 * ('torn'), or with its disk as it was before a save that never completed ('unsynced').
 */
export type RestartMode = 'amnesia' | 'durable' | 'torn' | 'unsynced'

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
  private readonly disks = new Map<NodeId, SimDisk>()
  private readonly clocks = new Map<NodeId, Clock>()
  private readonly failureViews = new Map<NodeId, FailureInjector>()
  private settings: NodeSettings | undefined
  /** The node's plugins and the in-process transport on this cluster's network. */
  private readonly plugins: PluginRegistry
  /** Each node's restarts (virtual time), in order. */
  readonly restarts = new Map<NodeId, number[]>()
  /** Quorum rounds completed, and reads answered locally under a lease ('local'), over all nodes. */
  readonly rounds: Record<RoundEvent['phase'], number> = { learn: 0, write: 0, query: 0, impose: 0, local: 0 }

  private constructor(readonly options: SimClusterOptions) {
    this.random = new SeededRandom(options.seed)
    this.network = new SimulatedNetwork(this.time, this.random.fork(), options.network)
    this.scheme = new ReplicationScheme(options.scheme)
    this.plugins = NODE_PLUGINS.with(inProcessTransportPlugin(this.network))
  }

  static async start(options: SimClusterOptions): Promise<SimCluster> {
    const cluster = new SimCluster(options)
    cluster.settings = resolveSettings(
      { transport: 'in-process', hasher: 'inline', ...options.settings },
      cluster.plugins,
    )
    options.recorder?.attach(cluster)
    const drift = options.clockDrift ?? 0
    for (const self of cluster.scheme.nodes()) {
      const rate = drift === 0 ? 1 : 1 - drift + 2 * drift * cluster.random.next()
      const clock = rate === 1 ? undefined : new DriftingClock(cluster.time, rate)
      const base = clock ?? cluster.time
      cluster.clocks.set(
        self,
        options.suspendable === undefined ? base : new SuspendableClock(base, options.suspendable === 'blind'),
      )
      cluster.failureViews.set(
        self,
        clock ? new DriftingFailures(cluster.failures, clock, cluster.time) : cluster.failures,
      )
      cluster.disks.set(self, new SimDisk())
      await cluster.startNode(self, 1n, cluster.disks.get(self)!)
    }
    options.recorder?.note('start', `${cluster.drivers.size} nodes start`)
    options.recorder?.commit()
    return cluster
  }

  /**
   * Restarts `node` as a new process (new incarnation, epoch generation `generation`): its in-flight work is
   * gone, and it comes back without its state ('amnesia') or with its disk ('durable', 'torn', 'unsynced').
   */
  async restart(node: NodeId, mode: RestartMode, generation: bigint): Promise<void> {
    this.options.recorder?.note('restart', `${node} restarts (${mode})`, { node })
    const old = this.driver(node)
    const stopped = old.stop()
    const disk = mode === 'amnesia' ? new SimDisk() : this.disks.get(node)!.reopen()
    // The broken variant: an empty copy on "disk" for every token, so the node trusts it and votes at once.
    if (mode === 'amnesia' && this.options.skipRecovery === true) disk.seedEmpty(this.scheme.tokensOf(node))
    this.disks.set(node, disk)
    this.restarts.set(node, [...(this.restarts.get(node) ?? []), this.time.nowMs()])
    await this.startNode(node, generation, disk)
    this.options.recorder?.commit()
    // Not awaited: a node that died between a persist and its send never finishes its last save.
    void stopped
  }

  /** Suspends `node` (SimClusterOptions.suspendable): it runs nothing and its monotonic clock stands still. */
  suspend(node: NodeId): void {
    this.options.recorder?.note('suspend', `${node} is suspended`, { node })
    this.suspendableClock(node).suspend()
  }

  resume(node: NodeId): void {
    this.options.recorder?.note('resume', `${node} resumes`, { node })
    this.suspendableClock(node).resume()
  }

  /** Runs `work` (a client's call, say) at `node` now, or when it resumes. */
  whenRunning(node: NodeId, work: () => void): void {
    const clock = this.clocks.get(node)
    if (clock instanceof SuspendableClock) clock.whenRunning(work)
    else work()
  }

  private suspendableClock(node: NodeId): SuspendableClock {
    const clock = this.clocks.get(node)
    if (!(clock instanceof SuspendableClock)) throw new Error('start the cluster with suspendable set')
    return clock
  }

  /** Arms `node`'s disk: its next save lands (or, with `lands` false, is lost), then the process hangs there. */
  crashAtNextSave(node: NodeId, lands = true): void {
    this.disks.get(node)!.crashAtNextSave(lands)
  }

  private async startNode(self: NodeId, generation: bigint, disk: SimDisk): Promise<void> {
    const recorder = this.options.recorder
    const nodeClock = recorder ? recorder.observeClock(self, this.clocks.get(self)!) : this.clocks.get(self)!
    const overrides = new ContainerModule(({ bind, rebind }) => {
      rebind<Clock>(Clock).toConstantValue(nodeClock)
      rebind<FailureInjector>(FailureInjector).toConstantValue(this.failureViews.get(self)!)
      rebind<Persistence>(Persistence).toConstantValue(disk)
      const clock = this.clocks.get(self)
      // A suspended node receives nothing until it resumes: deliveries wait, as they would in its socket buffers.
      if (clock instanceof SuspendableClock)
        rebind<Transport>(Transport).toConstantValue(deferredTransport(this.network.endpoint(), clock))
      bind<Metrics>(Metrics).toConstantValue({
        ...NO_METRICS,
        roundDone: (event) => {
          this.rounds[event.phase]++
        },
      })
      if (this.options.noResend === true) rebind<ResendPolicy>(ResendPolicy).toConstantValue('off')
      if (this.options.quorum) rebind<QuorumStrategy>(QuorumStrategy).toConstantValue(this.options.quorum)
    })
    const incarnation = this.random.int(1, 2 ** 30)
    const container = createNodeContainer(
      { self, scheme: this.scheme, settings: this.settings!, epoch: epochOf(generation, incarnation), incarnation },
      { plugins: this.plugins, overrides: [overrides] },
    )
    const driver = container.get(NodeDriver)
    await driver.start()
    this.drivers.set(self, driver)
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

/** A transport whose deliveries wait while its node is suspended. */
function deferredTransport(inner: Transport, clock: SuspendableClock): Transport {
  return {
    start: (self, handler) => inner.start(self, (envelope) => clock.whenRunning(() => handler(envelope))),
    send: (envelope) => inner.send(envelope),
    stop: () => inner.stop(),
  }
}
