#!/usr/bin/env node
// npm run bench:compare: our 3-node cluster against a 3-member etcd cluster and a grpc-js echo ceiling, with the
// same load generator, in a durable mode (etcd with fsync, our nodes with data dirs) and a memory mode.
// `node dist/src/tools/bench/compare-bench.js --help` for the options.
import { binaryCli, runBinary } from '../../bin/support/cli-bootstrap.js'
import { Command, Option, UsageError } from 'clipanion'
import * as t from 'typanion'
import { parseDuration } from '../../plugins/yaml-config/settings-file.js'
import { BenchProgress } from '../../bin/load/bench-progress.js'
import { ChildProcesses } from './child-processes.js'
import { cellsOf, checksOf, formatComparison, type RunRecord, type TargetName } from './compare-report.js'
import { COMPARE_MODES, type CompareMode, type StartedTarget, startCompareTargets } from './compare-targets.js'
import { processesCpuMs } from '../../bin/load/cpu-time.js'
import { runLoad } from '../../bin/load/load-generator.js'
import { machineInfo } from './machine-info.js'
import { startOtlpSink } from './otlp-sink.js'

const TARGETS: readonly TargetName[] = ['token-manager', 'etcd', 'echo']

class CompareCommand extends Command {
  static override usage = Command.Usage({
    description: 'Compare our register with etcd and a gRPC echo ceiling under the same closed-loop load',
    details: `
      For each mode, starts a 3-node cluster of ours (every token on all 3 nodes, token i written by node i mod 3,
      all 3 nodes readers), a 3-member etcd cluster and a grpc-js echo server, all on free 127.0.0.1 ports. Mode
      durable: etcd with fsync, our nodes each with its own --data-dir; mode memory: etcd --unsafe-no-fsync, our
      nodes --in-memory. Every data dir is in the OS temp dir (one filesystem). Then at each concurrency it measures
      reads (etcd: linearizable Range) and writes (etcd: Put) separately, --runs times, interleaving the targets,
      and reports medians and issue 13's targets per mode. Everything it started is stopped at the end of each mode,
      on an error and on SIGINT.
    `,
  })

  duration = Option.String('--duration', '10s', { description: 'Length of each measured run (default 10s)' })
  runs = Option.String('--runs', '3', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
    description: 'Runs per cell; the median is reported (default 3)',
  })
  concurrency = Option.String('--concurrency', '1,16,64', { description: 'Concurrency levels (default 1,16,64)' })
  keys = Option.String('--keys', '100', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
    description: 'Tokens / etcd keys (default 100)',
  })
  targets = Option.String('--targets', TARGETS.join(','), { description: 'Which of token-manager,etcd,echo to run' })
  modes = Option.String('--modes', COMPARE_MODES.join(','), {
    description: 'Which of durable,memory to run, in this order (default both)',
  })
  quick = Option.Boolean('--quick', false, { description: 'A smoke run: 2s, 1 run, C=1 and 64' })
  profileDir = Option.String('--profile-dir', {
    description: 'Run our servers with --cpu-prof, profiles into this directory',
  })
  tracing = Option.String('--tracing', 'off', {
    description: 'off, or otlp: our nodes record and export every operation to a local OTLP sink (its cost)',
  })
  json = Option.Boolean('--json', false, { description: 'One JSON object on stdout' })

  async execute(): Promise<number> {
    const durationMs = parseDuration(this.quick ? '2s' : this.duration)
    const runs = this.quick ? 1 : this.runs
    const levels = (this.quick ? '1,64' : this.concurrency).split(',').map(Number)
    const targets = listOf(this.targets, TARGETS, '--targets')
    const modes = listOf(this.modes, COMPARE_MODES, '--modes')
    const log = (line: string): void => {
      this.context.stderr.write(`bench:compare: ${line}\n`)
    }
    const children = new ChildProcesses()
    const cleanups: (() => void)[] = []
    const open: StartedTarget[] = []
    const onSignal = (): void => {
      void stop().then(() => process.exit(130))
    }
    const stop = async (): Promise<void> => {
      for (const { target } of open.splice(0)) target.close()
      await children.stopAll()
      for (const cleanup of cleanups.splice(0)) cleanup()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    if (this.tracing !== 'off' && this.tracing !== 'otlp') throw new UsageError('--tracing takes off or otlp')
    const sink = this.tracing === 'otlp' ? await startOtlpSink() : undefined
    const serverArgs = sink === undefined ? [] : ['--settings', sink.settingsPath]
    try {
      const reports: ModeReport[] = []
      for (const mode of modes) {
        const nodeArgs = this.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`]
        const options = { mode, keys: this.keys, nodeArgs, serverArgs, log }
        const started = await startCompareTargets(targets, children, cleanups, options)
        open.push(...started.values())
        for (const { target } of started.values()) await target.prepare(30_000)
        const results = await measure(started, { mode, runs, levels, durationMs, log })
        await stop()
        const cells = cellsOf(results)
        reports.push({ mode, cells, checks: checksOf(cells, mode), results })
      }
      const machine = machineInfo()
      this.context.stdout.write(
        this.json
          ? `${JSON.stringify({ machine, durationMs, runs, keys: this.keys, modes: reports })}\n`
          : `${machine.cpus} x ${machine.cpuModel}, node ${machine.node}; ${runs} run(s) of ${durationMs / 1000} s per cell, ${this.keys} keys\n` +
              reports
                .map((r) => `\n== ${r.mode}: ${MODE_TITLES[r.mode]} ==\n${formatComparison(r.cells, r.checks)}`)
                .join(''),
      )
      if (sink !== undefined) log(`tracing otlp: the sink received ${sink.requests()} export requests`)
      return 0
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await stop()
      await sink?.close()
    }
  }
}

interface ModeReport {
  readonly mode: CompareMode
  readonly cells: ReturnType<typeof cellsOf>
  readonly checks: ReturnType<typeof checksOf>
  readonly results: RunRecord[]
}

const MODE_TITLES: Record<CompareMode, string> = {
  durable: 'etcd with fsync against our nodes with their data dirs',
  memory: 'etcd --unsafe-no-fsync against our nodes --in-memory',
}

interface MeasureOptions {
  readonly mode: CompareMode
  readonly runs: number
  readonly levels: readonly number[]
  readonly durationMs: number
  readonly log: (line: string) => void
}

/** Every run, concurrency, target and op kind once per run, targets interleaved within each run. */
async function measure(started: ReadonlyMap<TargetName, StartedTarget>, options: MeasureOptions): Promise<RunRecord[]> {
  const results: RunRecord[] = []
  const { runs, durationMs } = options
  for (let run = 1; run <= runs; run++) {
    for (const c of options.levels) {
      for (const [name, { target, pids }] of started) {
        for (const kind of name === 'echo' ? ['read' as const] : ['read' as const, 'write' as const]) {
          const label = `${options.mode} run ${run}/${runs} C=${c} ${name} ${kind}`
          const progress = new BenchProgress(label, { durationMs })
          const cpuBeforeMs = processesCpuMs(pids)
          const result = await runLoad(target, {
            concurrency: c,
            readRatio: kind === 'read' ? 1 : 0,
            durationMs,
            seed: run,
            onProgress: (p) => progress.update(p),
          })
          const serverCpuUsPerOp =
            result.totalOps === 0 ? 0 : Math.round(((processesCpuMs(pids) - cpuBeforeMs) * 1_000) / result.totalOps)
          progress.stop()
          const stats = result.byKind[0]
          options.log(
            `${label}: ${result.opsPerSec} ops/s, p99 ${stats?.p99Ms ?? 0} ms, ${result.totalErrors} errors, ` +
              `CPU/op server ${serverCpuUsPerOp} us, client ${result.clientCpuUsPerOp} us`,
          )
          results.push({ target: name, kind, result, serverCpuUsPerOp })
        }
      }
    }
  }
  return results
}

/** A comma-separated option checked against its allowed values. */
function listOf<T extends string>(text: string, allowed: readonly T[], option: string): T[] {
  const values = text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
  const unknown = values.filter((v) => !allowed.includes(v as T))
  if (unknown.length > 0 || values.length === 0)
    throw new UsageError(`${option}: use some of ${allowed.join(',')}; got ${text}`)
  return values as T[]
}

const cli = binaryCli({ name: 'bench:compare', label: 'token manager vs etcd vs echo' }, [CompareCommand])

process.exitCode = await runBinary(cli, process.argv.slice(2))
