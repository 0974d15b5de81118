import type { OpKind } from './bench-target.js'
import type { LoadResult } from './load-generator.js'

export type TargetName = 'token-manager' | 'etcd' | 'echo'

/** The median over runs of one (target, op kind, concurrency): each statistic's median taken on its own. */
export interface Cell {
  readonly target: TargetName
  readonly kind: OpKind
  readonly concurrency: number
  readonly runs: number
  readonly opsPerSec: number
  readonly p50Ms: number
  readonly p90Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly errors: number
  /** CPU per operation in microseconds: all the target's server processes, and the load generator. */
  readonly serverCpuUsPerOp: number
  readonly clientCpuUsPerOp: number
}

/** One measured run of one op kind against one target. */
export interface RunRecord {
  readonly target: TargetName
  readonly kind: OpKind
  readonly result: LoadResult
  readonly serverCpuUsPerOp: number
}

export interface Check {
  readonly name: string
  readonly concurrency: number
  readonly value: number
  readonly goal: string
  readonly holds: boolean
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Medians per cell from the individual results (each result is one run of one kind only). */
export function cellsOf(records: readonly RunRecord[]): Cell[] {
  const groups = new Map<string, { target: TargetName; kind: OpKind; concurrency: number; results: RunRecord[] }>()
  for (const record of records) {
    const { target, kind, result } = record
    const key = `${target}/${kind}/${result.concurrency}`
    const group = groups.get(key) ?? { target, kind, concurrency: result.concurrency, results: [] }
    group.results.push(record)
    groups.set(key, group)
  }
  return [...groups.values()].map(({ target, kind, concurrency, results: rs }) => {
    const stats = rs.map((r) => r.result.byKind.find((k) => k.kind === kind) ?? { opsPerSec: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0, errors: 0 })
    const m = (pick: (s: (typeof stats)[number]) => number): number => median(stats.map(pick))
    return { target, kind, concurrency, runs: rs.length, opsPerSec: Math.round(m((s) => s.opsPerSec)), p50Ms: m((s) => s.p50Ms),
      p90Ms: m((s) => s.p90Ms), p99Ms: m((s) => s.p99Ms), maxMs: m((s) => s.maxMs), errors: stats.reduce((n, s) => n + s.errors, 0),
      serverCpuUsPerOp: median(rs.map((r) => r.serverCpuUsPerOp)), clientCpuUsPerOp: median(rs.map((r) => r.result.clientCpuUsPerOp)) }
  })
}

/** The targets of issue 4: ours against etcd at every concurrency, and against the echo ceiling at the highest. */
export function checksOf(cells: readonly Cell[]): Check[] {
  const find = (target: TargetName, kind: OpKind, c: number): Cell | undefined =>
    cells.find((x) => x.target === target && x.kind === kind && x.concurrency === c)
  const levels = [...new Set(cells.map((c) => c.concurrency))].sort((a, b) => a - b)
  const checks: Check[] = []
  const ratio = (a: number, b: number): number => (b === 0 ? Infinity : Math.round((a / b) * 100) / 100)
  for (const c of levels) {
    for (const [kind, etcdOp] of [['read', 'Range'], ['write', 'Put']] as const) {
      const ours = find('token-manager', kind, c)
      const etcd = find('etcd', kind, c)
      if (ours === undefined || etcd === undefined) continue
      const r = ratio(ours.opsPerSec, etcd.opsPerSec)
      checks.push({ name: `our ${kind}s / etcd ${etcdOp}`, concurrency: c, value: r, goal: '>= 1.2', holds: r >= 1.2 })
      const p = ratio(ours.p99Ms, etcd.p99Ms)
      checks.push({ name: `our ${kind} p99 / etcd ${etcdOp} p99`, concurrency: c, value: p, goal: '<= 1.0', holds: p <= 1 })
    }
  }
  const top = levels[levels.length - 1]
  const ours = top === undefined ? undefined : find('token-manager', 'read', top)
  const echo = top === undefined ? undefined : find('echo', 'read', top)
  if (ours !== undefined && echo !== undefined) {
    const r = ratio(ours.opsPerSec, echo.opsPerSec)
    checks.push({ name: 'our reads / echo ceiling', concurrency: top!, value: r, goal: '>= 0.7', holds: r >= 0.7 })
  }
  return checks
}

const pad = (text: string | number, width: number): string => String(text).padStart(width)

export function formatComparison(cells: readonly Cell[], checks: readonly Check[]): string {
  const label = (c: Cell): string => c.target === 'etcd' ? (c.kind === 'read' ? 'Range' : 'Put') : c.target === 'echo' ? 'echo' : c.kind
  const lines = [`${'C'.padStart(4)}  ${'target'.padEnd(14)}${'op'.padEnd(7)}${pad('ops/s', 8)}${pad('p50 ms', 9)}${pad('p90 ms', 9)}` +
    `${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('errors', 8)}${pad('srv us/op', 11)}${pad('cli us/op', 11)}${pad('runs', 6)}`]
  const order: TargetName[] = ['token-manager', 'etcd', 'echo']
  const sorted = [...cells].sort((a, b) => a.concurrency - b.concurrency || order.indexOf(a.target) - order.indexOf(b.target) ||
    a.kind.localeCompare(b.kind))
  for (const c of sorted) {
    lines.push(`${pad(c.concurrency, 4)}  ${c.target.padEnd(14)}${label(c).padEnd(7)}${pad(c.opsPerSec, 8)}${pad(c.p50Ms.toFixed(2), 9)}` +
      `${pad(c.p90Ms.toFixed(2), 9)}${pad(c.p99Ms.toFixed(2), 9)}${pad(c.maxMs.toFixed(2), 9)}${pad(c.errors, 8)}` +
      `${pad(Math.round(c.serverCpuUsPerOp), 11)}${pad(Math.round(c.clientCpuUsPerOp), 11)}${pad(c.runs, 6)}`)
  }
  lines.push('', 'targets:')
  for (const check of checks) {
    lines.push(`  C=${String(check.concurrency).padEnd(3)} ${check.name.padEnd(34)} ${pad(check.value.toFixed(2), 6)}  (goal ${check.goal})  ${check.holds ? 'HOLDS' : 'MISSED'}`)
  }
  return lines.join('\n') + '\n'
}
