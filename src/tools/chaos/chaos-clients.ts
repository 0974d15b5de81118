import type { HistoryRecord } from '../../client/history-records.js'
import { type CallOptions, type ReadOptions, TokenManagerClient } from '../../client/token-manager-client.js'
import type { TokenScheme } from '../../core/scheme/replication-scheme.js'
import type { SeededRandom } from '../../plugins/in-process/seeded-random.js'
import { ChaosRecorder } from './chaos-recorder.js'

/**
 * Reconnect quickly once a killed node is back: grpc-js's default backoff grows to minutes, which would read as a
 * liveness failure of the cluster when it is only the client waiting.
 */
const RECONNECT = { initialMs: 100, maxMs: 1_000 }

/** A share of the calls that get a short deadline (clients with 1 s deadlines against 1 s read leases). */
export interface ShortDeadlines {
  readonly timeoutMs: number
  readonly share: number
}

export interface ChaosClientsOptions {
  /** The chaos scheme, with node addresses as the clients dial them (the delay proxies). */
  readonly scheme: readonly TokenScheme[]
  /** The deadline of a call that is not short. */
  readonly timeoutMs: number
  readonly short?: ShortDeadlines | undefined
  /** The run's seeded random: which calls are short, and which reader a read asks first. */
  readonly random: SeededRandom
  /** Where every client's history records go. */
  readonly recorder: ChaosRecorder
}

/**
 * The chaos run's clients: one TokenManagerClient per logical client (a workload client, a probe, a final reader),
 * named by it in the history, all recording into one ChaosRecorder on its one clock. grpc-js shares connections
 * between clients with the same target and options, so more clients do not mean more connections. Bounded by the
 * names the run uses: its workload clients and two per token.
 */
export class ChaosClients {
  private readonly clients = new Map<string, TokenManagerClient>()
  private readonly admin: TokenManagerClient

  constructor(private readonly options: ChaosClientsOptions) {
    // Admin calls enter no history: they are the nemesis's, not a client's.
    this.admin = this.open('admin')
  }

  /** The client named `name`, opened on first use. */
  client(name: string): TokenManagerClient {
    let client = this.clients.get(name)
    if (client === undefined) {
      client = this.open(name, (record) => this.options.recorder.add(record))
      this.clients.set(name, client)
    }
    return client
  }

  /** Options of a writer call: the full deadline, or for a share of the calls a short one. */
  writeCall(): CallOptions {
    return { timeoutMs: this.deadlineMs() }
  }

  /** Options of a read: each reader gets the call's deadline, the whole read twice that, so about two readers. */
  readCall(): ReadOptions {
    const attemptMs = this.deadlineMs()
    return { attemptMs, timeoutMs: 2 * attemptMs }
  }

  /** Makes `node` fail-silent for `token` now; rejects when the node did not confirm. */
  async failSilent(node: string, token: string): Promise<void> {
    await this.admin.failSilent(node, token, { timeoutMs: this.options.timeoutMs })
  }

  close(): void {
    this.admin.close()
    for (const client of this.clients.values()) client.close()
    this.clients.clear()
  }

  private deadlineMs(): number {
    const short = this.options.short
    return short !== undefined && this.options.random.chance(short.share) ? short.timeoutMs : this.options.timeoutMs
  }

  private open(name: string, onHistory?: (record: HistoryRecord) => void): TokenManagerClient {
    return new TokenManagerClient({
      insecure: true,
      scheme: this.options.scheme,
      clientId: name,
      ...(onHistory === undefined ? {} : { onHistory }),
      historyClock: ChaosRecorder.nowMs,
      random: () => this.options.random.next(),
      reconnect: RECONNECT,
    })
  }
}
