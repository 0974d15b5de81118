import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import type { OpKind } from '../../bin/load/bench-target.js'
import type { ChildProcesses } from './child-processes.js'
import { median } from './compare-report.js'
import { processesCpuMs } from '../../bin/load/cpu-time.js'
import { runLoad } from '../../bin/load/load-generator.js'
import { type ClusterPersistence, startLocalCluster } from './local-cluster.js'
import { TokenTarget } from '../../bin/load/token-target.js'

/** Medians over the runs of one op kind on one replica set. */
export interface ReplicaCell {
  readonly opsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly errors: number
  /** CPU of all the cluster's processes per operation, in microseconds. */
  readonly serverCpuUsPerOp: number
}

export interface ReplicaRow {
  readonly mode: ClusterPersistence
  readonly nodes: number
  readonly read: ReplicaCell
  readonly write: ReplicaCell
}

export interface ReplicaOptions {
  readonly sizes: readonly number[]
  readonly mode: ClusterPersistence
  readonly tokens: number
  readonly concurrency: number
  readonly runs: number
  readonly durationMs: number
  readonly log: (line: string) => void
}

interface Sample {
  readonly opsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly errors: number
  readonly cpuUs: number
}

/**
 * Clusters of each size in `sizes`, all running at once, every token on every node, writers spread (token i on node
 * i mod n), every node a reader; reads and writes measured separately at one concurrency, the sizes interleaved
 * within each run so that the machine's drifting speed falls on all of them alike.
 */
export async function measureReplicaSets(children: ChildProcesses, options: ReplicaOptions): Promise<ReplicaRow[]> {
  const started: { nodes: number; target: TokenTarget; pids: readonly number[]; remove: () => void }[] = []
  try {
    for (const nodes of options.sizes) {
      const cluster = await startLocalCluster(children, {
        nodes,
        tokens: options.tokens,
        logLevel: 'warn',
        persistence: options.mode,
      })
      const scheme = loadSchemeFile(cluster.configPath)
      const target = new TokenTarget(scheme, {
        tokens: scheme.entries.map((e) => e.token),
        domainSize: 16,
        timeoutMs: 10_000,
      })
      started.push({ nodes, target, pids: cluster.pids, remove: () => cluster.remove() })
      await target.prepare(60_000)
    }
    const samples = new Map<string, Sample[]>()
    for (let run = 1; run <= options.runs; run++) {
      for (const { nodes, target, pids } of started) {
        for (const kind of ['read', 'write'] as const) {
          const sample = await measureOnce(target, pids, kind, run, options)
          options.log(
            `${options.mode} run ${run}/${options.runs} ${nodes} nodes ${kind}: ${sample.opsPerSec} ops/s, p99 ${sample.p99Ms} ms, ` +
              `${sample.errors} errors, ${sample.cpuUs} us CPU/op`,
          )
          const key = `${nodes}/${kind}`
          samples.set(key, [...(samples.get(key) ?? []), sample])
        }
      }
    }
    return started.map(({ nodes }) => ({
      mode: options.mode,
      nodes,
      read: cellOf(samples.get(`${nodes}/read`)!),
      write: cellOf(samples.get(`${nodes}/write`)!),
    }))
  } finally {
    for (const { target } of started) target.close()
    await children.stopAll()
    for (const { remove } of started) remove()
  }
}

async function measureOnce(
  target: TokenTarget,
  pids: readonly number[],
  kind: OpKind,
  run: number,
  options: ReplicaOptions,
): Promise<Sample> {
  const cpuBeforeMs = processesCpuMs(pids)
  const result = await runLoad(target, {
    concurrency: options.concurrency,
    readRatio: kind === 'read' ? 1 : 0,
    durationMs: options.durationMs,
    seed: run,
  })
  const cpuUs = result.totalOps === 0 ? 0 : Math.round(((processesCpuMs(pids) - cpuBeforeMs) * 1_000) / result.totalOps)
  const stats = result.byKind.find((k) => k.kind === kind)
  return {
    opsPerSec: stats?.opsPerSec ?? 0,
    p50Ms: stats?.p50Ms ?? 0,
    p99Ms: stats?.p99Ms ?? 0,
    errors: result.totalErrors,
    cpuUs,
  }
}

function cellOf(samples: readonly Sample[]): ReplicaCell {
  return {
    opsPerSec: Math.round(median(samples.map((s) => s.opsPerSec))),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    errors: samples.reduce((n, s) => n + s.errors, 0),
    serverCpuUsPerOp: median(samples.map((s) => s.cpuUs)),
  }
}
