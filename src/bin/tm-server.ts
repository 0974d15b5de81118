#!/usr/bin/env node
import { binaryCli, runBinary } from './support/cli-bootstrap.js'
import { Command, Option, UsageError } from 'clipanion'
import * as t from 'typanion'
import { TokenManagerError, UnavailableError } from '../core/errors.js'
import { resolveSettings } from '../node/node-settings.js'
import type { SectionInput } from '../node/plugin-registry.js'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { LOG_LEVELS, type LogLevel, NodeLogger } from '../plugins/grpc/node-logger.js'
import { loadSchemeFile } from '../plugins/yaml-config/scheme-file.js'
import { loadSettingsFile } from '../plugins/yaml-config/settings-file.js'
import { durableDataDirOf } from '../plugins/log-persistence/log-persistence-plugin.js'
import { LogPrefetch } from '../plugins/log-persistence/log-prefetch.js'
import { chooseNodeSecurity, MissingCertificatesError } from './server/node-security.js'
import { assertServesTokens, startNode } from '../node/start-node.js'
import { cpuMs } from '../node/start-phases.js'
import { hostPortOf } from '../plugins/prometheus-metrics/metrics-server.js'

/** tm-server's exit codes: scripts can tell a broken configuration from certificates not made yet. */
const EXIT = { ok: 0, configuration: 2, noCertificates: 3, unavailable: 4 } as const

class ServerCommand extends Command {
  static override usage = Command.Usage({
    description: 'Run one token manager node',
    details: `
      Serves the tokens that the replication scheme gives this access point (as writer, reader or replica) over gRPC:
      TokenService for clients, ReplicaService between nodes, AdminService for fail-silent control and status.
      Settings come from --settings (YAML); flags override them. SIGINT/SIGTERM stop the node cleanly (exit 0).

      Secure by default: the port speaks mutual TLS with the certificates in --certs-dir (default certs), which
      \`tm-certs create --config <scheme>\` makes; replica and admin calls need a certificate of the cluster CA.
      A node without certificates refuses to start (exit 3) unless given --insecure (or \`insecure: true\` in
      the settings file): plaintext, and anyone who reaches the port may call replica and admin services.
      Exit codes: 0 stopped cleanly, 2 bad configuration or flags, 3 no certificates, 4 a port or the data dir cannot be used (in use, locked by another node, damaged).
    `,
    examples: [
      [
        'Make the certificates once, then start the first node of the demo scheme',
        'tm-certs create --config config/tokens.yaml && tm-server --config config/tokens.yaml --address 127.0.0.1:50051',
      ],
      [
        'A plaintext node for a test on one machine',
        'tm-server --config config/tokens.yaml --address 127.0.0.1:50051 --insecure',
      ],
    ],
  })

  config = Option.String('--config', { required: true, description: 'Replication scheme (YAML)' })
  address = Option.String('--address', { required: true, description: "This node's access point, ip:port" })
  listen = Option.String('--listen', {
    description: "Bind this ip:port instead of --address (which stays the node's identity and access point)",
  })
  settings = Option.String('--settings', { description: 'Node settings (YAML)' })
  logLevel = Option.String('--log-level', {
    validator: t.isEnum(LOG_LEVELS),
    description: 'debug|info|warn|error|silent (default: settings, then info)',
  })
  dataDir = Option.String('--data-dir', {
    description: 'Keep replica state durably in this directory (default data/<ip>_<port>)',
  })
  inMemory = Option.Boolean('--in-memory', false, {
    description: 'Keep replica state in memory only: a restarted node recovers it from the others (tests, demos)',
  })
  metricsAddress = Option.String('--metrics-address', {
    description: 'Serve Prometheus metrics at http://ip:port/metrics (overrides the settings file)',
  })
  timeoutMs = Option.String('--operation-timeout-ms', {
    validator: t.isNumber(),
    description: 'Upper bound on one operation',
  })
  certsDir = Option.String('--certs-dir', {
    description: 'Certificates made by tm-certs: ca.pem, node-<address>.pem and -key.pem (default certs)',
  })
  insecure = Option.Boolean('--insecure', false, {
    description: 'Plaintext: replica and admin calls unauthenticated (for tests on one machine)',
  })
  tlsCa = Option.String('--tls-ca', {
    description: 'Cluster CA (PEM): serve TLS, replica and admin calls need its certificates',
  })
  tlsCert = Option.String('--tls-cert', { description: "This node's certificate (PEM, CN = its access point)" })
  tlsKey = Option.String('--tls-key', { description: "This node's private key (PEM)" })

  /** Durable unless told otherwise: flags first, then the settings file, then a data dir per node. */
  private persistence(fromFile: SectionInput | undefined): SectionInput {
    if (this.inMemory && this.dataDir !== undefined)
      throw new UsageError('--in-memory and --data-dir exclude each other')
    if (this.inMemory) return { kind: 'memory' }
    if (this.dataDir !== undefined) return { kind: 'durable', dataDir: this.dataDir }
    return fromFile ?? { kind: 'durable', dataDir: defaultDataDir(this.address) }
  }

  /** --listen sets the transport section's bind address, over the settings file's. */
  private transport(fromFile: SectionInput | undefined): SectionInput | undefined {
    if (this.listen === undefined) return fromFile
    const section = typeof fromFile === 'object' ? fromFile : { kind: fromFile ?? 'grpc' }
    return { ...section, listen: this.listen }
  }

  async execute(): Promise<number> {
    let logger = new NodeLogger((this.logLevel ?? 'info') as LogLevel, { node: this.address })
    let prefetch: LogPrefetch | undefined
    try {
      const { insecure, ...fromFile } = this.settings === undefined ? {} : loadSettingsFile(this.settings)
      const persistence = this.persistence(fromFile.persistence)
      // The data dir's log is read in a worker while this thread reads the scheme: both take a while at 10^5 tokens.
      const dataDir = typeof persistence === 'object' ? durableDataDirOf(persistence) : undefined
      prefetch = typeof dataDir === 'string' ? LogPrefetch.start(dataDir) : undefined
      const schemeStartMs = performance.now()
      const schemeStartCpuMs = cpuMs()
      const scheme = loadSchemeFile(this.config)
      const schemeTimes = {
        wall: { scheme: Math.round(performance.now() - schemeStartMs) },
        cpu: { scheme: Math.round(cpuMs() - schemeStartCpuMs) },
      }
      assertServesTokens(this.address, scheme)
      const security = chooseNodeSecurity(
        this.address,
        this.config,
        {
          tls: { ca: this.tlsCa, cert: this.tlsCert, key: this.tlsKey },
          certsDir: this.certsDir,
          insecure: this.insecure,
        },
        { security: fromFile.security, insecure },
      )
      const settings = resolveSettings({
        ...fromFile,
        ...(this.timeoutMs === undefined ? {} : { operationTimeoutMs: this.timeoutMs }),
        ...(this.metricsAddress === undefined ? {} : { metricsAddress: metricsAddressOf(this.metricsAddress) }),
        persistence,
        transport: this.transport(fromFile.transport),
        security: security.kind === 'tls' ? security.settings : undefined,
      })
      logger = new NodeLogger((this.logLevel ?? settings.logLevel) as LogLevel, { node: this.address })
      if (security.kind === 'insecure') {
        logger.log(
          'warn',
          'insecure: plaintext port, replica and admin traffic is unauthenticated (anyone who reaches it can rewrite tokens)',
        )
      }
      const node = await startNode(this.address, scheme, settings, logger, { earlier: schemeTimes, prefetch })
      await waitForSignal()
      await node.stop()
      return EXIT.ok
    } catch (error) {
      prefetch?.cancel()
      if (error instanceof MissingCertificatesError) {
        this.context.stderr.write(`tm-server: ${error.message}\n`)
        return EXIT.noCertificates
      }
      if (error instanceof UnavailableError) {
        this.context.stderr.write(`tm-server: ${error.message}\n`)
        return EXIT.unavailable
      }
      if (error instanceof TokenManagerError || error instanceof UsageError) {
        this.context.stderr.write(`tm-server: ${error.message}\n`)
        return EXIT.configuration
      }
      throw error
    }
  }
}

/** A --metrics-address as the settings file would take it: host:port, port 0 for any free one. */
function metricsAddressOf(text: string): string {
  try {
    hostPortOf(text)
  } catch {
    throw new UsageError(`--metrics-address ${JSON.stringify(text)} is not host:port`)
  }
  return text
}

/**
 * Where a node started without a persistence choice keeps its state: one dir per node under `data/` in the
 * working directory, named after its access point, so that several nodes started from one directory never share.
 */
export function defaultDataDir(address: string): string {
  return join('data', address.replace(/[^A-Za-z0-9.-]/g, '_'))
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

const cli = binaryCli({ name: 'tm-server', label: 'atomic-token-manager node' }, [ServerCommand])

process.exitCode = await runBinary(cli, process.argv.slice(2))
