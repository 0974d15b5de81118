import 'reflect-metadata'
import { randomInt } from 'node:crypto'
import { resolve } from 'node:path'
import { epochOf } from '../core/protocol/timestamp.js'
import { ContainerModule } from 'inversify'
import { Persistence } from '../core/ports/persistence.js'
import { LogPersistence } from '../plugins/log-persistence/log-persistence.js'
import { InvalidArgumentError, UnavailableError } from '../core/errors.js'
import { NodeDriver } from '../core/node/node-driver.js'
import type { ReplicationScheme } from '../core/scheme/replication-scheme.js'
import type { NodeSettings } from './node-settings.js'
import { ClientServices } from '../plugins/grpc/client-services.js'
import { schemeFingerprint } from '../plugins/grpc/grpc-module.js'
import { grpcTransportPlugin, listenAddressOf } from '../plugins/grpc/grpc-transport-plugin.js'
import { durableDataDirOf } from '../plugins/log-persistence/log-persistence-plugin.js'
import type { LogPrefetch } from '../plugins/log-persistence/log-prefetch.js'
import { GrpcServerHost } from '../plugins/grpc/grpc-server-host.js'
import { HealthAndReflection } from '../plugins/grpc/health-and-reflection.js'
import type { NodeLogger } from '../plugins/grpc/node-logger.js'
import { createNodeContainer } from './node-container.js'
import { listedTokens } from '../plugins/grpc/request-log.js'
import { RecoveryLog } from './recovery-log.js'
import { StartPhases } from './start-phases.js'
import type { MetricsServer } from '../plugins/prometheus-metrics/metrics-server.js'

/**
 * Checks every second which tokens' replicas here are recovering their state, for the log (see RecoveryLog): one
 * pass over the built registers, not a status of every token (while 10^5 tokens recovered at a first start, that
 * status took a third of the node's CPU).
 */
function watchRecovery(driver: NodeDriver, logger: NodeLogger): NodeJS.Timeout {
  const log = new RecoveryLog(logger)
  const check = (): void => {
    const recovering = driver.node.recoveringTokens()
    if (log.quiet && recovering.length === 0) return
    log.update(recovering, (token) => driver.node.statusOf(token))
  }
  const timer = setInterval(check, 1_000)
  timer.unref()
  return timer
}

/** A random incarnation id in [1, 2^48): replies to an earlier process never match this one's rounds. */
function randomIncarnation(): number {
  return randomInt(1, 2 ** 48 - 1)
}

async function loadPrometheus() {
  const [{ MetricsServer }, { PrometheusMetrics }, { prometheusMetricsModule }] = await Promise.all([
    import('../plugins/prometheus-metrics/metrics-server.js'),
    import('../plugins/prometheus-metrics/prometheus-metrics.js'),
    import('../plugins/prometheus-metrics/prometheus-metrics-module.js'),
  ])
  return { MetricsServer, PrometheusMetrics, prometheusMetricsModule }
}

export interface RunningNode {
  readonly driver: NodeDriver
  readonly host: GrpcServerHost
  readonly port: number
  stop(graceMs?: number): Promise<void>
}

/** Refuses an address that plays no role in the scheme: a typo in --address, most likely. */
export function assertServesTokens(address: string, scheme: ReplicationScheme): void {
  if (scheme.tokensOf(address).length === 0) {
    throw new InvalidArgumentError(
      `${address} appears in no token of the replication scheme (nodes: ${scheme.nodes().join(', ')})`,
    )
  }
}

/**
 * The transport a served node runs is gRPC: its client and admin services share the replica protocol's server.
 * A settings object built in code could still name another registered kind; it is refused in one line.
 */
function assertServesGrpc(settings: NodeSettings): void {
  const { kind } = settings.transport
  if (kind !== grpcTransportPlugin.kind) {
    throw new InvalidArgumentError(
      `a served node runs transport ${grpcTransportPlugin.kind}; ${kind} runs only inside a simulation`,
    )
  }
}

/** How a node's start began before startNode: phases already timed, and its data dir's log already being read. */
export interface StartOptions {
  readonly earlier?: ConstructorParameters<typeof StartPhases>[0]
  readonly prefetch?: LogPrefetch
}

/**
 * Starts one node on gRPC: client, admin and replica services on one server at `address` (its access point in
 * the scheme), bound where the transport section's `listen` says when set (like etcd's listen vs advertise
 * URLs). Refuses an address that plays no role in the scheme.
 */
export async function startNode(
  address: string,
  scheme: ReplicationScheme,
  settings: NodeSettings,
  logger: NodeLogger,
  start: StartOptions = {},
): Promise<RunningNode> {
  assertServesTokens(address, scheme)
  assertServesGrpc(settings)
  const listen = listenAddressOf(settings.transport, address)
  const phases = new StartPhases(start.earlier)
  // prom-client is loaded only by a node that serves metrics: it costs every start about 40 ms.
  const prometheus = settings.metricsAddress === undefined ? undefined : await loadPrometheus()
  const overrides =
    prometheus === undefined ? [] : [prometheus.prometheusMetricsModule(address, scheme.tokensOf(address))]
  // A later incarnation normally outranks an earlier one (a durable counter with a data dir, else wall-clock ms);
  // the random nonce keeps two starts in one generation apart, and fences correct a generation that went back.
  const incarnation = randomIncarnation()
  let epoch = epochOf(BigInt(Date.now()), incarnation)
  const dataDir = durableDataDirOf(settings.persistence)
  if (dataDir !== undefined) {
    const store = await LogPersistence.open(dataDir, address, {
      notice: (message, details) => logger.log('warn', message, details),
      ...(start.prefetch && { prefetch: start.prefetch }),
    })
    epoch = epochOf(await store.nextEpoch(), incarnation)
    overrides.push(
      new ContainerModule(({ rebind }) => {
        rebind<Persistence>(Persistence).toConstantValue(store)
      }),
    )
    phases.done('store')
  }
  const container = createNodeContainer({ self: address, scheme, settings, epoch, incarnation }, { overrides })
  const driver = container.get(NodeDriver)
  const host = container.get(GrpcServerHost)
  phases.done('setup')
  const health = new HealthAndReflection(driver)
  health.register(host)
  const services = new ClientServices(driver, scheme, schemeFingerprint(scheme), logger, (token, atMs) =>
    health.refreshAt(token, atMs),
  )
  services.register((s, i) => host.addService(s, i))
  // The metrics port is bound first and the node's own last: a node that cannot bind either serves nothing.
  let metricsServer: MetricsServer | undefined
  try {
    if (settings.metricsAddress !== undefined) {
      metricsServer = new prometheus!.MetricsServer(container.get(prometheus!.PrometheusMetrics))
      await metricsServer.start(settings.metricsAddress).catch((error: NodeJS.ErrnoException) => {
        throw new UnavailableError(`cannot serve metrics on ${settings.metricsAddress}: ${error.code ?? error.message}`)
      })
    }
    await driver.start()
  } catch (error) {
    await metricsServer?.stop()
    await driver.stop().catch(() => undefined)
    await host.shutdown(0)
    throw error
  }
  phases.done('start')
  const port = await host.listen()
  health.serving()
  if (metricsServer !== undefined)
    logger.log('info', 'metrics served', { url: `http://${settings.metricsAddress}/metrics` })
  if (settings.readLeaseMs * 2 > settings.operationTimeoutMs) {
    // Not refused: a deliberate setting may accept it. But a write waiting out a silent holder's lease then times out.
    logger.log(
      'warn',
      'readLeaseMs is more than half of operationTimeoutMs: a write that waits out a silent lease holder may time out',
      { readLeaseMs: settings.readLeaseMs, operationTimeoutMs: settings.operationTimeoutMs },
    )
  }
  logger.log('info', 'node started', {
    address,
    ...(listen === address ? {} : { listen }),
    ...listedTokens(driver.node.tokens()),
    persistence: dataDir === undefined ? `${settings.persistence.kind} (state lost on restart)` : resolve(dataDir),
    fingerprint: schemeFingerprint(scheme),
    quorum: settings.quorum.kind,
    readLeaseMs: settings.readLeaseMs,
    tls: settings.security === undefined ? 'off' : `clientCerts ${settings.security.clientCerts}`,
    ...phases.summary(),
  })
  const recoveryLog = watchRecovery(driver, logger)
  return {
    driver,
    host,
    port,
    stop: async (graceMs = 2_000) => {
      clearInterval(recoveryLog)
      health.stopping()
      await metricsServer?.stop()
      // Answer in-flight client calls and close the replica streams first, so the server drains at once.
      await driver.stop()
      await host.shutdown(graceMs)
      services.flushLog()
      logger.log('info', 'node stopped', { address })
    },
  }
}
