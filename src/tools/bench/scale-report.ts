import type { ReplicaRow } from './replica-scale.js'
import type { StartupRow } from './startup-scale.js'

/** The restart target of issue 13: a durable node of 10^5 tokens restarted and serving a read within 2 s. */
export const RESTART_TARGET_MS = 2_000
export const RESTART_TARGET_TOKENS = 100_000

const pad = (text: string | number, width: number): string => String(text).padStart(width)
const ms = (value: number | undefined): string => (value === undefined ? '-' : String(Math.round(value)))

/**
 * Resident memory per token in KB: each row's mean RSS less the baseline's (a tiny scheme in the same state),
 * over the tokens it adds.
 */
export function perTokenKb(row: StartupRow, baseline: StartupRow | undefined): number | undefined {
  if (baseline === undefined || row.tokens <= baseline.tokens) return undefined
  return ((row.rssMb - baseline.rssMb) * 1024) / (row.tokens - baseline.tokens)
}

export function formatStartup(rows: readonly StartupRow[], baseline: StartupRow | undefined): string {
  const lines = [
    'start-up (3 durable nodes, fresh data dirs; times from spawn, ms; memory after every token was written once;',
    "restart breakdown: the restarted node's phases, wall/CPU ms):",
    `${pad('tokens', 8)}${pad('started', 9)}${pad('1st read', 10)}${pad('write all', 11)}${pad('RSS MB', 8)}${pad('KB/token', 10)}` +
      `${pad('restart', 9)}${pad('1st read', 10)}${pad('read all', 10)}  restart breakdown`,
  ]
  for (const row of baseline === undefined ? rows : [baseline, ...rows]) {
    const kb = perTokenKb(row, baseline)
    const breakdown = breakdownText(row)
    lines.push(
      `${pad(row.tokens, 8)}${pad(ms(row.startedMs), 9)}${pad(ms(row.firstReadMs), 10)}${pad(ms(row.writeAllMs), 11)}` +
        `${pad(row.rssMb.toFixed(0), 8)}${pad(kb === undefined ? (row === baseline ? 'base' : '-') : kb.toFixed(2), 10)}` +
        `${pad(ms(row.restartStartedMs), 9)}${pad(ms(row.restartFirstReadMs), 10)}${pad(ms(row.restartReadAllMs), 10)}  ${breakdown}`,
    )
    if (row.writeErrors > 0 || (row.restartReadErrors ?? 0) > 0) {
      lines.push(
        `${pad('', 8)}errors: ${row.writeErrors} writes, ${row.restartReadErrors ?? 0} reads after the restart`,
      )
    }
  }
  const target = rows.find((r) => r.tokens === RESTART_TARGET_TOKENS)
  if (target !== undefined) {
    const held = target.restartFirstReadMs <= RESTART_TARGET_MS
    lines.push(
      '',
      `target: restart to a served read at ${RESTART_TARGET_TOKENS} tokens <= ${RESTART_TARGET_MS} ms: ` +
        `${Math.round(target.restartFirstReadMs)} ms, ${held ? 'held' : 'MISSED'}`,
    )
  }
  return `${lines.join('\n')}\n`
}

/** "scheme 496/300, store 929/700, ...": each phase of the restarted node's start, wall/CPU ms. */
function breakdownText(row: StartupRow): string {
  const breakdown = row.restartBreakdown
  if (breakdown === undefined) return ''
  return Object.entries(breakdown.wallMs)
    .map(([phase, wallMs]) => `${phase} ${wallMs}/${breakdown.cpuMs[phase] ?? '?'}`)
    .join(', ')
}

export function formatReplicaSets(rows: readonly ReplicaRow[], concurrency: number): string {
  const lines = [
    `replica sets (every token on every node, writers spread, C = ${concurrency}; medians; CPU of all nodes per op):`,
    `${'mode'.padEnd(8)}${pad('nodes', 6)}${pad('reads/s', 9)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('us/read', 9)}` +
      `${pad('writes/s', 10)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('us/write', 10)}${pad('errors', 8)}`,
  ]
  for (const row of rows) {
    const { read, write } = row
    lines.push(
      `${row.mode.padEnd(8)}${pad(row.nodes, 6)}${pad(read.opsPerSec, 9)}${pad(read.p50Ms.toFixed(1), 8)}${pad(read.p99Ms.toFixed(1), 8)}` +
        `${pad(Math.round(read.serverCpuUsPerOp), 9)}${pad(write.opsPerSec, 10)}${pad(write.p50Ms.toFixed(1), 8)}${pad(write.p99Ms.toFixed(1), 8)}` +
        `${pad(Math.round(write.serverCpuUsPerOp), 10)}${pad(read.errors + write.errors, 8)}`,
    )
  }
  return `${lines.join('\n')}\n`
}
