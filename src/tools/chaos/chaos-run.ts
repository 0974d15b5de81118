import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkLinearizability } from '../../core/checker/linearizability-checker.js'
import { ChaosCluster } from './chaos-cluster.js'
import { ChaosRecorder } from './chaos-recorder.js'
import { generateScheme, type ChaosToken, schemeYaml } from './chaos-scheme.js'
import { type ChaosResult, summarize } from './chaos-result.js'
import { ChaosClients } from './chaos-clients.js'
import { finalReads, probeLiveness } from './final-phase.js'
import { freePorts } from '../../node/free-ports.js'
import { countLostWrites, type FinalRead } from './lost-writes.js'
import { Nemesis, type NemesisOptions } from './nemesis.js'
import { SeededRandom } from '../../plugins/in-process/seeded-random.js'
import { TokenOps } from './token-ops.js'
import { Workload } from './workload.js'
import type { TokenScheme } from '../../core/scheme/replication-scheme.js'

export interface ChaosOptions {
  readonly durationMs: number
  readonly seed: number
  readonly nodes: number
  readonly tokens: number
  readonly clients: number
  readonly lifecycle: boolean
  /** Keep the history, scheme and nemesis log here (and the node logs when the run fails). */
  readonly historyDir?: string
  /** After the heal, and after the final kill of every node, each token must answer within this. */
  readonly livenessBoundMs: number
  readonly clientTimeoutMs: number
  /** Calls with a short deadline (impatient clients): `share` of them get `timeoutMs` instead of clientTimeoutMs. */
  readonly shortDeadline?: { readonly timeoutMs: number; readonly share: number }
  readonly operationTimeoutMs: number
  readonly startTimeoutMs: number
  readonly checkTimeoutMs: number
  readonly thinkMs: number
  readonly nemesis: Omit<NemesisOptions, 'durationMs'>
  /** Progress lines (stderr). */
  readonly log: (line: string) => void
}

/**
 * One chaos run on real processes: durable nodes behind delay proxies, clients recording a history, the nemesis
 * for the duration; then heal, a liveness probe per token, a kill -9 of every node and restart (durability of
 * acknowledged writes), a final read per token; then the linearizability check and the lost-write count.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const random = new SeededRandom(options.seed)
  const workDir = mkdtempSync(join(tmpdir(), 'tm-chaos-'))
  const outDir = options.historyDir ?? workDir
  mkdirSync(outDir, { recursive: true })
  const ports = await freePorts(2 * options.nodes)
  const addresses = ports.slice(0, options.nodes).map((p) => `127.0.0.1:${p}`)
  const listens = ports.slice(options.nodes).map((p) => `127.0.0.1:${p}`)
  const scheme = generateScheme(random, options.nodes, options.tokens)
  const configPath = join(outDir, 'tokens.yaml')
  writeFileSync(configPath, schemeYaml(scheme, addresses))
  const historyFile = join(outDir, 'history.jsonl')
  rmSync(historyFile, { force: true })
  const cluster = await ChaosCluster.create(
    {
      dir: workDir,
      configPath,
      addresses,
      listens,
      startTimeoutMs: options.startTimeoutMs,
      operationTimeoutMs: options.operationTimeoutMs,
    },
    () => random.next(),
  )
  const recorder = new ChaosRecorder(historyFile)
  const clients = new ChaosClients({
    scheme: tokenSchemes(scheme, addresses),
    timeoutMs: options.clientTimeoutMs,
    short: options.shortDeadline,
    random: random.fork(),
    recorder,
  })
  let result: ChaosResult | undefined
  try {
    await Promise.all(cluster.nodes.map((n) => cluster.start(n.index)))
    const ops = new TokenOps(clients)
    const tokens = scheme.map((t) => t.token)
    const eventsFile = join(outDir, 'nemesis.jsonl')
    rmSync(eventsFile, { force: true })
    const nemesis = new Nemesis(
      cluster,
      scheme,
      (node, token) => clients.failSilent(node, token),
      random,
      { ...options.nemesis, durationMs: options.durationMs },
      eventsFile,
    )
    const workload = new Workload(ops, {
      clients: options.clients,
      tokens,
      lifecycle: options.lifecycle,
      thinkMs: options.thinkMs,
      writeBackoffMs: 1_500,
    })
    options.log(
      `chaos: ${options.nodes} nodes, ${tokens.length} tokens, ${options.clients} clients, seed ${options.seed}, ` +
        `${options.durationMs / 1000}s; files in ${outDir}`,
    )
    workload.start()
    await nemesis.run()
    await workload.stop()
    options.log(`chaos: nemesis done (${recorder.recordCount} records); healing`)
    // A node that cannot restart is not the end of the run: the probes and final reads then judge each token.
    await nemesis.heal().catch((error: Error) => {
      nemesis.errors.push(`heal: ${error.message}`)
    })
    const liveness = await probeLiveness(ops, tokens, options.livenessBoundMs)
    options.log('chaos: durability round: kill -9 every node, restart all')
    await nemesis.killAll().catch((error: Error) => {
      nemesis.errors.push(`durability round: ${error.message}`)
    })
    const finals = await finalReads(ops, tokens, options.livenessBoundMs)
    options.log(`chaos: checking ${(recorder.recordCount / 2) | 0} operations for linearizability`)
    const report = checkLinearizability(recorder.operations(), { timeoutMs: options.checkTimeoutMs })
    const lost = countLostWrites(
      ops.acked,
      finals.filter((f): f is FinalRead => f !== undefined),
    )
    result = summarize({
      options,
      operations: recorder.operations(),
      report,
      lost,
      liveness,
      finals: finals.map((f, i) => f ?? tokens[i]!),
      nemesis,
      outDir,
    })
    writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`)
    return result
  } finally {
    clients.close()
    await cluster.stop()
    const keep = result === undefined || !result.passed
    if (keep && outDir !== workDir)
      for (const node of cluster.nodes) cpSync(node.logFile, join(outDir, `node-${node.index}.log`), { force: true })
    if (keep && options.historyDir === undefined) options.log(`chaos: kept ${workDir} (history and node logs)`)
    else rmSync(workDir, { recursive: true, force: true })
  }
}

/** The chaos scheme as the clients route by it: node indices as the addresses they dial. */
function tokenSchemes(scheme: readonly ChaosToken[], addresses: readonly string[]): TokenScheme[] {
  return scheme.map((t) => ({
    token: t.token,
    writer: addresses[t.writer]!,
    readers: t.readers.map((r) => addresses[r]!),
  }))
}
