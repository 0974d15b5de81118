import type { OpKind } from '../../bin/load/bench-target.js'
import type { LoadResult } from '../../bin/load/load-generator.js'

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
  /** One of issue 13's targets for this mode; the other checks are ratios reported for information. */
  readonly target: boolean
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
    const stats = rs.map(
      (r) =>
        r.result.byKind.find((k) => k.kind === kind) ?? {
          opsPerSec: 0,
          p50Ms: 0,
          p90Ms: 0,
          p99Ms: 0,
          maxMs: 0,
          errors: 0,
        },
    )
    const m = (pick: (s: (typeof stats)[number]) => number): number => median(stats.map(pick))
    return {
      target,
      kind,
      concurrency,
      runs: rs.length,
      opsPerSec: Math.round(m((s) => s.opsPerSec)),
      p50Ms: m((s) => s.p50Ms),
      p90Ms: m((s) => s.p90Ms),
      p99Ms: m((s) => s.p99Ms),
      maxMs: m((s) => s.maxMs),
      errors: stats.reduce((n, s) => n + s.errors, 0),
      serverCpuUsPerOp: median(rs.map((r) => r.serverCpuUsPerOp)),
      clientCpuUsPerOp: median(rs.map((r) => r.result.clientCpuUsPerOp)),
    }
  })
}

type Find = (target: TargetName, kind: OpKind, c: number) => Cell | undefined

const ratioOf = (a: number, b: number): number => (b === 0 ? Infinity : Math.round((a / b) * 100) / 100)

/**
 * Issue 13's targets for `mode` (medians of the runs): durable at the highest C, writes >= 1.2x etcd with fsync,
 * write p99 <= etcd's, reads >= 1.2x; durable at C = 1, write p50 <= etcd's; memory at the highest C, writes
 * >= 1.2x etcd --unsafe-no-fsync, write p99 <= etcd's. Then, for information, every other ratio against etcd at
 * every C, and reads against the echo ceiling at the highest C.
 */
export function checksOf(cells: readonly Cell[], mode: 'durable' | 'memory'): Check[] {
  const find: Find = (target, kind, c) =>
    cells.find((x) => x.target === target && x.kind === kind && x.concurrency === c)
  const levels = [...new Set(cells.map((c) => c.concurrency))].sort((a, b) => a - b)
  const top = levels[levels.length - 1]
  const targets = top === undefined ? [] : targetChecks(find, mode, top, levels.includes(1))
  const named = new Set(targets.map((c) => `${c.name}@${c.concurrency}`))
  const others = [...levels.flatMap((c) => etcdRatios(find, c, false)), ...echoRatio(find, top)]
  return [...targets, ...others.filter((c) => !named.has(`${c.name}@${c.concurrency}`))]
}

/** Issue 13's targets at the highest C, per mode; durable adds the write p50 at C = 1. */
const TOP_TARGETS = {
  durable: ['our reads / etcd Range', 'our writes / etcd Put', 'our write p99 / etcd Put p99'],
  memory: ['our writes / etcd Put', 'our write p99 / etcd Put p99'],
} as const

function targetChecks(find: Find, mode: 'durable' | 'memory', top: number, hasC1: boolean): Check[] {
  const names: readonly string[] = TOP_TARGETS[mode]
  const checks = etcdRatios(find, top, true).filter((c) => names.includes(c.name))
  if (mode === 'durable' && hasC1) checks.push(...p50Check(find))
  return checks
}

function etcdRatios(find: Find, c: number, target: boolean): Check[] {
  const checks: Check[] = []
  for (const [kind, etcdOp] of [
    ['read', 'Range'],
    ['write', 'Put'],
  ] as const) {
    const ours = find('token-manager', kind, c)
    const etcd = find('etcd', kind, c)
    if (ours === undefined || etcd === undefined) continue
    const r = ratioOf(ours.opsPerSec, etcd.opsPerSec)
    checks.push({
      name: `our ${kind}s / etcd ${etcdOp}`,
      concurrency: c,
      value: r,
      goal: '>= 1.2',
      holds: r >= 1.2,
      target,
    })
    const p = ratioOf(ours.p99Ms, etcd.p99Ms)
    checks.push({
      name: `our ${kind} p99 / etcd ${etcdOp} p99`,
      concurrency: c,
      value: p,
      goal: '<= 1.0',
      holds: p <= 1,
      target,
    })
  }
  return checks
}

function p50Check(find: Find): Check[] {
  const ours = find('token-manager', 'write', 1)
  const etcd = find('etcd', 'write', 1)
  if (ours === undefined || etcd === undefined) return []
  const p = ratioOf(ours.p50Ms, etcd.p50Ms)
  return [
    { name: 'our write p50 / etcd Put p50', concurrency: 1, value: p, goal: '<= 1.0', holds: p <= 1, target: true },
  ]
}

function echoRatio(find: Find, top: number | undefined): Check[] {
  const ours = top === undefined ? undefined : find('token-manager', 'read', top)
  const echo = top === undefined ? undefined : find('echo', 'read', top)
  if (ours === undefined || echo === undefined) return []
  const r = ratioOf(ours.opsPerSec, echo.opsPerSec)
  return [
    { name: 'our reads / echo ceiling', concurrency: top!, value: r, goal: '>= 0.7', holds: r >= 0.7, target: false },
  ]
}

const pad = (text: string | number, width: number): string => String(text).padStart(width)

export function formatComparison(cells: readonly Cell[], checks: readonly Check[]): string {
  const label = (c: Cell): string =>
    c.target === 'etcd' ? (c.kind === 'read' ? 'Range' : 'Put') : c.target === 'echo' ? 'echo' : c.kind
  const lines = [
    `${'C'.padStart(4)}  ${'target'.padEnd(14)}${'op'.padEnd(7)}${pad('ops/s', 8)}${pad('p50 ms', 9)}${pad('p90 ms', 9)}` +
      `${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('errors', 8)}${pad('srv us/op', 11)}${pad('cli us/op', 11)}${pad('runs', 6)}`,
  ]
  const order: TargetName[] = ['token-manager', 'etcd', 'echo']
  const sorted = [...cells].sort(
    (a, b) =>
      a.concurrency - b.concurrency ||
      order.indexOf(a.target) - order.indexOf(b.target) ||
      a.kind.localeCompare(b.kind),
  )
  for (const c of sorted) {
    lines.push(
      `${pad(c.concurrency, 4)}  ${c.target.padEnd(14)}${label(c).padEnd(7)}${pad(c.opsPerSec, 8)}${pad(c.p50Ms.toFixed(2), 9)}` +
        `${pad(c.p90Ms.toFixed(2), 9)}${pad(c.p99Ms.toFixed(2), 9)}${pad(c.maxMs.toFixed(2), 9)}${pad(c.errors, 8)}` +
        `${pad(Math.round(c.serverCpuUsPerOp), 11)}${pad(Math.round(c.clientCpuUsPerOp), 11)}${pad(c.runs, 6)}`,
    )
  }
  const line = (check: Check, verdict: string): string =>
    `  C=${String(check.concurrency).padEnd(3)} ${check.name.padEnd(34)} ${pad(check.value.toFixed(2), 6)}  (goal ${check.goal})  ${verdict}`
  lines.push('', 'targets (issue 13):')
  for (const check of checks.filter((c) => c.target)) lines.push(line(check, check.holds ? 'held' : 'MISSED'))
  lines.push('other ratios (information):')
  for (const check of checks.filter((c) => !c.target)) lines.push(line(check, check.holds ? 'yes' : 'no'))
  return `${lines.join('\n')}\n`
}
