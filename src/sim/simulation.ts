import type { TokenManagerError } from '../core/errors.js'
import type { HistoryOperation, RegisterOp, RegisterResult } from '../core/checker/history.js'
import { argminRange } from '../core/hash/sha256-argmin.js'
import type { QuorumStrategy } from '../core/ports/quorum-strategy.js'
import type { NodeId } from '../core/protocol/messages.js'
import type { ClientOp, OpResult } from '../core/protocol/operations.js'
import type { TokenScheme } from '../core/scheme/replication-scheme.js'
import { SeededRandom } from '../plugins/in-process/seeded-random.js'
import type { NetworkOptions } from '../plugins/in-process/simulated-network.js'
import { type RestartMode, SimCluster } from './sim-cluster.js'
import type { SimRecorder } from './sim-recorder.js'
import { recoveryTimingOf } from '../node/node-container.js'
import { resolveSettings } from '../node/node-settings.js'

export interface SimulationOptions {
  readonly seed: number
  readonly operations: number
  readonly clients: number
  readonly tokens: number
  /** Cluster size (3 or more); drawn from the seed (3 to 7) when omitted, the draw made either way. */
  readonly nodes?: number
  /** Probability that a token gets a silent majority (for the liveness-without-quorum check). */
  readonly majorityFailureProbability: number
  readonly quorum?: QuorumStrategy
  readonly operationTimeoutMs: number
  /** Probability that a client gives up on an operation after a random delay (cancels it). */
  readonly cancelProbability?: number
  /** Read leases: drawn from the seed when omitted (off in some runs, short or long in others). */
  readonly readLeaseMs?: number
  /** The drift the nodes assume (clockDriftRate) and the drift their clocks really have; drawn when omitted. */
  readonly assumedDrift?: number
  readonly actualDrift?: number
  /** Share of reads in the workload (default 0.5; the rest writes, creates and drops). */
  readonly readFraction?: number
  /** Overrides the network regime the seed draws (e.g. to make slow messages common). */
  readonly network?: Partial<NetworkOptions>
  /**
   * Process restarts during the run, one node at a time and spaced past the recovery bound (the fault model: fewer
   * than a write quorum of a token's replicas without state at once): without state, with it, or dying between a
   * persist and its send; a third restart with a wall clock stepped back (an epoch generation below the last).
   */
  readonly restarts?: number
  /**
   * Suspends (a paused VM) at random points: the node runs nothing for 0.5 to 3 leases (at least 10 ms) while the
   * others go on, and its monotonic clock stands still; calls and deliveries to it wait for the resume.
   */
  readonly suspends?: number
  /** A stranger (no member of the scheme) sends forged replica messages to the nodes. */
  readonly stranger?: boolean
  /** Client deadlines drawn from [min, max] read leases (when leases are on), instead of operationTimeoutMs. */
  readonly deadlineLeases?: readonly [number, number]
  /** Broken variant: restarted nodes skip recovery (see SimClusterOptions.skipRecovery). */
  readonly skipRecovery?: boolean
  /** Broken variant: quorum rounds never resend (see SimClusterOptions.noResend). */
  readonly noResend?: boolean
  /**
   * Lagging replicas: now and then the link from a token's writer to one of its replicas drops everything for a
   * while, so that replica misses writes (what a restart without state can expose).
   */
  readonly lag?: boolean
  /** Spacing between restarts; past the recovery bound by default (the fault model). Broken variants go faster. */
  readonly restartSpacingMs?: number
  /** How restarted nodes come back (drawn from these; all three by default). */
  readonly restartModes?: readonly RestartMode[]
  /** Records the run for a replay page (see SimRecorder); the run is the same without it. */
  readonly recorder?: SimRecorder
}

export interface RestartEvent {
  readonly atMs: number
  readonly node: NodeId
  readonly mode: RestartMode
  readonly generation: bigint
}

export interface SimOperation extends HistoryOperation {
  readonly node: NodeId
  /** The deadline the client gave it. */
  readonly timeoutMs: number
  readonly error?: string
  /** The client cancelled it: its failure says nothing about liveness. */
  readonly cancelled?: boolean
}

export interface SimulationRun {
  readonly seed: number
  readonly history: SimOperation[]
  readonly scheme: TokenScheme[]
  /** (node, token) -> when it went silent */
  readonly silences: Map<string, number>
  /** Tokens whose silent replicas form a majority from `majorityLostAtMs` on. */
  readonly majorityLost: Map<string, number>
  readonly wrongFinals: string[]
  readonly cluster: SimCluster
  readonly endMs: number
  readonly readLeaseMs: number
  /**
   * Every node starts without state (memory persistence) and recovers each token (ReplicaRecovery): at once when
   * every replica answers, else after the settle time. Operations invoked before this, on a token with a replica
   * silent by then, are not held to liveness.
   */
  readonly recoveryBoundMs: number
  readonly restarts: readonly RestartEvent[]
  readonly operationTimeoutMs: number
  /** Tokens a live replica of which was still recovering its state when the run ended. */
  readonly stillRecovering: ReadonlySet<string>
}

const node = (i: number): NodeId => `10.0.0.${i + 1}:7000`

/** Draws a cluster of 3-7 nodes, tokens over random replica sets, silences, network regime: all from the seed. */
function drawWorld(random: SeededRandom, options: SimulationOptions) {
  // Drawn even when given, so that every later draw of the seed stays the same.
  const drawnCount = random.int(3, 7)
  const nodeCount = options.nodes ?? drawnCount
  const nodes = Array.from({ length: nodeCount }, (_, i) => node(i))
  const scheme: TokenScheme[] = []
  for (let t = 0; t < options.tokens; t++) {
    const replicas = random.sample(nodes, random.int(3, nodeCount))
    const writer = replicas[0]!
    const readers = random.chance(0.5) ? replicas : replicas.slice(1)
    scheme.push({ token: `t${t}`, writer, readers: random.sample(readers, readers.length) })
  }
  const network: NetworkOptions = {
    minDelayMs: random.pick([0, 0.1, 1]),
    maxDelayMs: random.pick([1, 5, 20]),
    slowProbability: random.pick([0, 0.01, 0.05]),
    slowDelayMs: random.pick([20, 100]),
    duplicateProbability: random.pick([0, 0.01]),
  }
  return { scheme, network: { ...network, ...options.network } }
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationRun> {
  const random = new SeededRandom(options.seed)
  const { scheme, network } = drawWorld(random, options)
  // Leases stay well below the operation timeout: a write may wait out one lease of a silent holder.
  const readLeaseMs = options.readLeaseMs ?? random.pick([0, 20, 100, 300])
  const assumedDrift = options.assumedDrift ?? 0.01
  const cluster = await SimCluster.start({
    seed: random.int(0, 2 ** 31),
    scheme,
    network,
    quorum: options.quorum,
    settings: {
      operationTimeoutMs: options.operationTimeoutMs,
      maxParked: 1_000_000,
      readLeaseMs,
      clockDriftRate: assumedDrift,
    },
    clockDrift: options.actualDrift ?? random.pick([0, assumedDrift / 2, assumedDrift]),
    ...(options.suspends !== undefined && options.suspends > 0 && { suspendable: 'detect' as const }),
    ...(options.recorder && { recorder: options.recorder }),
    ...(options.skipRecovery === true && { skipRecovery: true }),
    ...(options.noResend === true && { noResend: true }),
  })
  const horizonMs = options.operations * 1.5
  const silences = new Map<string, number>()
  const majorityLost = new Map<string, number>()
  for (const entry of scheme) {
    const replicas = cluster.scheme.replicasOf(entry.token)
    const majority = random.chance(options.majorityFailureProbability)
    const count = majority ? Math.floor(replicas.length / 2) + 1 : random.int(0, Math.floor((replicas.length - 1) / 2))
    let lastMs = 0
    for (const victim of random.sample(replicas, count)) {
      const atMs = random.chance(0.3) ? 0 : random.next() * horizonMs
      cluster.failures.silence(victim, entry.token, atMs)
      silences.set(`${victim}|${entry.token}`, atMs)
      lastMs = Math.max(lastMs, atMs)
    }
    if (majority) majorityLost.set(entry.token, lastMs)
  }
  const timing = recoveryTimingOf(
    resolveSettings({ operationTimeoutMs: options.operationTimeoutMs, clockDriftRate: assumedDrift }),
  )
  const recoveryBoundMs = timing.settleMs + 2 * timing.retryMs
  const restarts = drawRestarts(
    random.fork(),
    cluster,
    options.restarts ?? 0,
    options.restartSpacingMs ?? recoveryBoundMs,
    options.restartModes,
  )
  if (options.stranger === true) scheduleStranger(random.fork(), cluster)
  if (options.suspends !== undefined && options.suspends > 0)
    scheduleSuspends(random.fork(), cluster, options.suspends, Math.max(10, readLeaseMs))
  if (options.lag === true) scheduleLag(random.fork(), cluster, restarts)
  const history: SimOperation[] = []
  const wrongFinals: string[] = []
  const perClient = Math.ceil(options.operations / options.clients)
  let ids = 0
  for (let c = 0; c < options.clients; c++) {
    const clientRandom = random.fork()
    let remaining = perClient
    const next = (): void => {
      if (remaining-- <= 0) return
      const { token, op, target, recorded } = drawOperation(
        clientRandom,
        cluster,
        `c${c}`,
        ids,
        options.readFraction ?? 0.5,
      )
      const invokeMs = cluster.time.nowMs()
      const id = ids++
      options.recorder?.invoked({ id, client: `c${c}`, token, node: target, op: recorded })
      const controller = new AbortController()
      const cancelTimer = clientRandom.chance(options.cancelProbability ?? 0)
        ? cluster.time.setTimer(clientRandom.next() * 20, () => controller.abort())
        : undefined
      const spread = options.deadlineLeases
      const timeoutMs =
        spread !== undefined && readLeaseMs > 0
          ? readLeaseMs * (spread[0] + (spread[1] - spread[0]) * clientRandom.next())
          : options.operationTimeoutMs
      cluster.whenRunning(target, () =>
        cluster.driver(target).submit(token, op, { timeoutMs, signal: controller.signal }, (error, result) => {
          cancelTimer?.cancel()
          const returnMs = cluster.time.nowMs()
          const operation = record(
            { id, client: `c${c}`, token, node: target, op: recorded, invokeMs, timeoutMs },
            returnMs,
            error,
            result,
          )
          history.push(operation)
          options.recorder?.completed(operation)
          if (result?.type === 'read') checkFinal(result, wrongFinals, id)
          cluster.time.setTimer(clientRandom.next() * 3, next)
        }),
      )
    }
    cluster.time.setTimer(clientRandom.next() * 5, next)
  }
  for (const restart of restarts) {
    // A torn restart: the node's last save before it dies lands on disk, and nothing of that step is sent but a
    // writer's stores (Outbox.earlySends). An unsynced one: the node dies during a save, which never lands, after
    // the step's early sends left.
    if (restart.mode === 'torn' || restart.mode === 'unsynced') {
      cluster.time.run(restart.atMs - 3, 50_000_000)
      cluster.crashAtNextSave(restart.node, restart.mode === 'torn')
    }
    cluster.time.run(restart.atMs, 50_000_000)
    await cluster.restart(restart.node, restart.mode, restart.generation)
  }
  cluster.time.run(Infinity, 50_000_000)
  const endMs = cluster.time.nowMs()
  const stillRecovering = new Set<string>()
  for (const driver of cluster.drivers.values()) {
    for (const status of driver.status())
      if (status.recovering !== undefined && !status.silent) stillRecovering.add(status.token)
  }
  await cluster.stop()
  options.recorder?.note('end', 'the run ends: every node stops')
  options.recorder?.commit()
  return {
    seed: options.seed,
    history,
    scheme,
    silences,
    majorityLost,
    wrongFinals,
    cluster,
    endMs,
    readLeaseMs,
    recoveryBoundMs,
    restarts,
    operationTimeoutMs: options.operationTimeoutMs,
    stillRecovering,
  }
}

/** Epoch generations start here (a wall clock in ms, say); each restart moves on, or steps back. */
const FIRST_GENERATION = 1_000n

/** Restarts one node at a time, each past the previous one's recovery bound; every third steps the clock back. */
function drawRestarts(
  random: SeededRandom,
  cluster: SimCluster,
  count: number,
  boundMs: number,
  modes: readonly RestartMode[] = ['amnesia', 'durable', 'torn', 'unsynced'],
): RestartEvent[] {
  const nodes = cluster.scheme.nodes()
  const generations = new Map<NodeId, bigint>()
  const events: RestartEvent[] = []
  let atMs = 20 + random.next() * 50
  for (let i = 0; i < count; i++) {
    const node = random.pick(nodes)
    const mode = random.pick(modes)
    const last = generations.get(node) ?? FIRST_GENERATION
    const generation = i % 3 === 2 ? last - 500n : last + 1n + BigInt(Math.floor(atMs))
    generations.set(node, generation)
    events.push({ atMs, node, mode, generation })
    atMs += boundMs + 20 + random.next() * boundMs
  }
  return events
}

/**
 * Cuts one writer-to-replica link at a time for 50-250 ms, every 100-300 ms, for the first 5 s; and around each
 * restart, the link to another replica of one of the restarted node's tokens, so that the restarted node comes back
 * while a replica it shares a token with lags (what a replica voting with an empty copy would expose).
 */
function scheduleLag(random: SeededRandom, cluster: SimCluster, restarts: readonly RestartEvent[]): void {
  for (const restart of restarts) {
    const entry = random.pick(
      cluster.scheme.entries.filter((e) => cluster.scheme.replicasOf(e.token).includes(restart.node)),
    )
    const others = cluster.scheme.replicasOf(entry.token).filter((r) => r !== entry.writer && r !== restart.node)
    if (others.length === 0) continue
    const lagging = random.pick(others)
    cluster.time.setTimer(Math.max(0, restart.atMs - 80), () => cluster.network.cutLink(entry.writer, lagging))
    cluster.time.setTimer(restart.atMs + 60, () => cluster.network.heal())
  }
  let atMs = random.next() * 100
  while (atMs < 5_000) {
    const entry = random.pick(cluster.scheme.entries)
    const replica = random.pick(cluster.scheme.replicasOf(entry.token).filter((r) => r !== entry.writer))
    const cutMs = 50 + random.next() * 200
    cluster.time.setTimer(atMs, () => cluster.network.cutLink(entry.writer, replica))
    cluster.time.setTimer(atMs + cutMs, () => cluster.network.heal())
    atMs += cutMs + 100 + random.next() * 200
  }
}

/** Suspends one node at a time at random points of the first 1.5 s, each for 0.5 to 3 `unitMs`. */
function scheduleSuspends(random: SeededRandom, cluster: SimCluster, count: number, unitMs: number): void {
  let atMs = random.next() * 100
  for (let i = 0; i < count; i++) {
    const node = random.pick(cluster.scheme.nodes())
    const forMs = unitMs * (0.5 + 2.5 * random.next())
    cluster.time.setTimer(atMs, () => cluster.suspend(node))
    cluster.time.setTimer(atMs + forMs, () => cluster.resume(node))
    atMs += forMs + (random.next() * 1_500) / count
  }
}

const STRANGER: NodeId = '10.9.9.9:7000'

/** Forged replica messages from a node outside the scheme: every one must be refused, nothing may change. */
function scheduleStranger(random: SeededRandom, cluster: SimCluster): void {
  const nodes = cluster.scheme.nodes()
  const tokens = cluster.scheme.entries.map((e) => e.token)
  for (let i = 0; i < 40; i++) {
    cluster.time.setTimer(random.next() * 1_500, () => {
      const token = random.pick(tokens)
      const ts = { seq: BigInt(random.int(1, 1_000_000)), epoch: BigInt(random.int(0, 2 ** 30)) }
      const value = { kind: 'absent' as const }
      const reqId = random.int(1, 200)
      const message = random.pick([
        { type: 'store' as const, reqId, token, ts, value, writerEpoch: ts.epoch },
        { type: 'query-reply' as const, reqId, token, ts, value, re: random.int(1, 2 ** 30) },
        { type: 'store-ack' as const, reqId, token, fenced: true, fence: 1n << 60n },
        { type: 'commit' as const, reqId: 0, token, ts },
        { type: 'lease-grant' as const, reqId, token, leaseMs: 1e9, committed: ts },
      ])
      cluster.network.send({ from: STRANGER, to: random.pick(nodes), message, inc: random.int(1, 2 ** 30) })
    })
  }
}

function drawOperation(random: SeededRandom, cluster: SimCluster, client: string, id: number, readFraction: number) {
  const entry = random.pick(cluster.scheme.entries)
  // The other operations keep their proportions (70 % writes, 16 % creates, 14 % drops) whatever the read share.
  const roll = random.next()
  const scaled = roll < readFraction ? 0 : 0.5 + (0.5 * (roll - readFraction)) / (1 - readFraction)
  let op: ClientOp
  let recorded: RegisterOp
  if (roll < readFraction) {
    op = { type: 'read' }
    recorded = { kind: 'read' }
  } else if (scaled < 0.85) {
    const low = BigInt(random.int(0, 30))
    const mid = low + BigInt(random.int(0, 10))
    const name = `${client}-w${id}-${random.pick(['a', 'é', '名前', 'z'])}`
    op = { type: 'write', name, low, mid, high: mid + BigInt(random.int(1, 20)) }
    recorded = { kind: 'write', value: name }
  } else if (scaled < 0.93) {
    op = { type: 'create' }
    recorded = { kind: 'create' }
  } else {
    op = { type: 'drop' }
    recorded = { kind: 'drop' }
  }
  const target = op.type === 'read' ? random.pick(entry.readers) : entry.writer
  return { token: entry.token, op, target, recorded }
}

interface Invocation {
  readonly id: number
  readonly client: string
  readonly token: string
  readonly node: NodeId
  readonly op: RegisterOp
  readonly invokeMs: number
  readonly timeoutMs: number
}

function record(
  invocation: Invocation,
  returnMs: number,
  error: TokenManagerError | undefined,
  result: OpResult | undefined,
): SimOperation {
  const op = invocation.op
  const base = { ...invocation, ...(error?.code === 'cancelled' ? { cancelled: true } : {}) }
  if (error === undefined) return { ...base, completion: { kind: 'ok', result: resultOf(result!), returnMs } }
  if (error.code === 'not-found' || error.code === 'already-exists') {
    return { ...base, completion: { kind: 'ok', result: { kind: error.code }, returnMs } }
  }
  // A read that failed had no effect; a write that failed after it was sent may still take effect.
  const noEffect = op.kind === 'read' || error.code === 'resource-exhausted'
  return {
    ...base,
    error: `${error.code}: ${error.message}`,
    completion: noEffect ? { kind: 'failed', error: error.code, returnMs } : { kind: 'unknown' },
  }
}

function resultOf(result: OpResult): RegisterResult {
  if (result.type !== 'read') return { kind: 'ok' }
  if (result.value.kind === 'token') return { kind: 'value', value: result.value.token.name }
  return { kind: 'empty' }
}

/** Reads must return the writer's partial and the true argmin over [low, high). */
function checkFinal(result: OpResult & { type: 'read' }, wrong: string[], id: number): void {
  if (result.value.kind !== 'token') return
  const token = result.value.token
  const expected = argminRange(token.name, token.low, token.high)
  const partial = argminRange(token.name, token.low, token.mid)
  if (
    token.final?.nonce !== expected?.nonce ||
    token.final?.hash !== expected?.hash ||
    token.partial?.nonce !== partial?.nonce
  ) {
    wrong.push(`op ${id}: ${token.name} final ${token.final?.nonce} expected ${expected?.nonce}`)
  }
}
