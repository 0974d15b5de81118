import { sleep } from '../../node/start-process.js'
import type { ChildProcesses } from './child-processes.js'
import { startLocalCluster, type LocalCluster } from './local-cluster.js'
import { firstRead, rssMb, tokenClient } from './scale-probes.js'
import { sweep } from '../../bin/load/sweep.js'
import type { UnaryClient } from '../../bin/load/unary-client.js'

/** One scheme size of the start-up part: every time is from spawning the node(s), in ms. */
export interface StartupRow {
  readonly tokens: number
  /** Spawn to the "node started" line, the slowest of the 3 nodes. */
  readonly startedMs: number
  /** Spawn to the first successful read (token 1 at node 1, every node spawned at once, fresh data dirs). */
  readonly firstReadMs: number
  /** Every token written once at its writer, `concurrency` at a time. */
  readonly writeAllMs: number
  readonly writeErrors: number
  /** Resident memory per node, the mean of the 3, after every token was written once. */
  readonly rssMb: number
  /** Node 1 killed with SIGKILL and started again on its data dir: spawn to "node started". */
  readonly restartStartedMs: number
  /** ... and spawn to its first successful read of token 1, asked of it directly. */
  readonly restartFirstReadMs: number
  /** ... and every token then read once at it, `concurrency` at a time (undefined when skipped). */
  readonly restartReadAllMs?: number
  readonly restartReadErrors?: number
  /** The restarted node's own breakdown of its start, from its "node started" line: wall and CPU ms per phase. */
  readonly restartBreakdown?: StartBreakdown
}

export interface StartupOptions {
  readonly concurrency: number
  readonly readAll: boolean
  readonly log: (line: string) => void
}

const NODES = 3
const STARTED = /"msg":"node started"/
/** Bounds on the waits: a start, the first read, and each call of a sweep. */
const START_TIMEOUT_MS = 600_000
const FIRST_READ_TIMEOUT_MS = 600_000
const CALL_TIMEOUT_MS = 60_000

/**
 * Starts 3 durable nodes (fresh data dirs in the temp dir) on a scheme of `tokens` tokens, writers spread, and
 * measures their start, a first read, writing every token, memory, and a SIGKILL restart of node 1.
 */
export async function measureStartup(
  children: ChildProcesses,
  tokens: number,
  options: StartupOptions,
): Promise<StartupRow> {
  const cluster = await startLocalCluster(children, {
    nodes: NODES,
    tokens,
    logLevel: 'info',
    persistence: 'durable',
    readyLine: STARTED,
    readyTimeoutMs: START_TIMEOUT_MS,
  })
  const clients = cluster.addresses.map(tokenClient)
  try {
    const startedMs = Math.max(...cluster.starts.map((s) => s.readyAtMs - s.spawnedAtMs))
    const firstReadMs = (await firstRead(clients[0]!, '1', FIRST_READ_TIMEOUT_MS)) - cluster.starts[0]!.spawnedAtMs
    options.log(`${tokens} tokens: started in ${Math.round(startedMs)} ms, first read at ${Math.round(firstReadMs)} ms`)
    const writes = await sweep(tokens, options.concurrency, (i) => writeToken(clients, i + 1))
    options.log(
      `${tokens} tokens: written in ${Math.round(writes.ms)} ms, ${writes.errors} errors${writes.firstError ? ` (${writes.firstError})` : ''}`,
    )
    // Let the last acknowledgements and lease traffic settle before reading memory.
    await sleep(2_000)
    const rss = cluster.pids.map(rssMb)
    const restart = await restartFirst(cluster, clients, tokens, options)
    return {
      tokens,
      startedMs,
      firstReadMs,
      writeAllMs: writes.ms,
      writeErrors: writes.errors,
      rssMb: rss.reduce((a, b) => a + b, 0) / rss.length,
      ...restart,
    }
  } finally {
    for (const client of clients) client.close()
    await children.stopAll()
    cluster.remove()
  }
}

/** Token `id`'s writer is node id mod 3 (benchSchemeText's spread layout). */
function writeToken(clients: readonly UnaryClient[], id: number): Promise<unknown> {
  return clients[id % NODES]!.call(
    'Write',
    { id: String(id), name: `scale-${id}`, low: '0', mid: '8', high: '16' },
    CALL_TIMEOUT_MS,
  )
}

async function restartFirst(cluster: LocalCluster, clients: UnaryClient[], tokens: number, options: StartupOptions) {
  clients[0]!.close()
  await cluster.kill(0)
  const restarted = await cluster.restart(0)
  clients[0] = tokenClient(cluster.addresses[0]!)
  const restartFirstReadMs = (await firstRead(clients[0], '1', FIRST_READ_TIMEOUT_MS)) - restarted.spawnedAtMs
  const restartStartedMs = restarted.readyAtMs - restarted.spawnedAtMs
  options.log(
    `${tokens} tokens: restarted in ${Math.round(restartStartedMs)} ms, first read at ${Math.round(restartFirstReadMs)} ms`,
  )
  const breakdown = breakdownOf(restarted.readyLine)
  const base = { restartStartedMs, restartFirstReadMs, ...(breakdown && { restartBreakdown: breakdown }) }
  if (!options.readAll) return base
  const reads = await sweep(tokens, options.concurrency, (i) =>
    clients[0]!.call('Read', { id: String(i + 1) }, CALL_TIMEOUT_MS),
  )
  options.log(`${tokens} tokens: all read at the restarted node in ${Math.round(reads.ms)} ms, ${reads.errors} errors`)
  return { ...base, restartReadAllMs: reads.ms, restartReadErrors: reads.errors }
}

export interface StartBreakdown {
  readonly wallMs: Readonly<Record<string, number>>
  readonly cpuMs: Readonly<Record<string, number>>
}

/** The `startupMs` and `startupCpuMs` fields of a node's "node started" log line, if it has them. */
function breakdownOf(line: string | undefined): StartBreakdown | undefined {
  try {
    const parsed = JSON.parse(line ?? '') as {
      startupMs?: Record<string, number>
      startupCpuMs?: Record<string, number>
    }
    return parsed.startupMs && parsed.startupCpuMs && { wallMs: parsed.startupMs, cpuMs: parsed.startupCpuMs }
  } catch {
    return undefined
  }
}
