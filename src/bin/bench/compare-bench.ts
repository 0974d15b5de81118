#!/usr/bin/env node
// npm run bench:compare: our 3-node cluster against a 3-member etcd cluster and a grpc-js echo ceiling, with the
// same load generator. `node dist/src/bin/bench/compare-bench.js --help` for the options.
import { Builtins, Cli, Command, Option } from 'clipanion'
import * as t from 'typanion'
import { parseDuration } from '../../plugins/yaml-config/settings-file.js'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import type { BenchTarget } from './bench-target.js'
import { BenchProgress } from './bench-progress.js'
import { ChildProcesses } from './child-processes.js'
import { cellsOf, checksOf, formatComparison, type RunRecord, type TargetName } from './compare-report.js'
import { processesCpuMs } from './cpu-time.js'
import { EchoTarget } from './echo-target.js'
import { ensureEtcd, startEtcdCluster } from './etcd-cluster.js'
import { EtcdTarget } from './etcd-target.js'
import { freePorts } from '../support/free-ports.js'
import { runLoad } from './load-generator.js'
import { startLocalCluster } from './local-cluster.js'
import { TokenTarget } from './token-target.js'
import { packageRoot } from '../../plugins/grpc/package-root.js'
import { join } from 'node:path'
import { machineInfo } from './machine-info.js'

const TARGETS: readonly TargetName[] = ['token-manager', 'etcd', 'echo']

class CompareCommand extends Command {
  static override usage = Command.Usage({
    description: 'Compare our register with etcd and a gRPC echo ceiling under the same closed-loop load',
    details: `
      Starts a 3-node cluster of ours (every token on all 3 nodes, node 1 the writer, all 3 readers), a 3-member etcd
      cluster (--unsafe-no-fsync) and a grpc-js echo server, all on free 127.0.0.1 ports; then at each concurrency
      measures reads (etcd: linearizable Range) and writes (etcd: Put) separately, --runs times, interleaving the
      targets, and reports medians and the issue-4 targets. Everything it started is stopped at the end, on an
      error and on SIGINT.
    `,
  })

  duration = Option.String('--duration', '10s', { description: 'Length of each measured run (default 10s)' })
  runs = Option.String('--runs', '3', { validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]), description: 'Runs per cell; the median is reported (default 3)' })
  concurrency = Option.String('--concurrency', '1,16,64', { description: 'Concurrency levels (default 1,16,64)' })
  keys = Option.String('--keys', '100', { validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]), description: 'Tokens / etcd keys (default 100)' })
  targets = Option.String('--targets', TARGETS.join(','), { description: 'Which of token-manager,etcd,echo to run' })
  quick = Option.Boolean('--quick', false, { description: 'A smoke run: 2s, 1 run, C=1 and 64' })
  profileDir = Option.String('--profile-dir', { description: 'Run our servers with --cpu-prof, profiles into this directory' })
  json = Option.Boolean('--json', false, { description: 'One JSON object on stdout' })

  async execute(): Promise<number> {
    const durationMs = parseDuration(this.quick ? '2s' : this.duration)
    const runs = this.quick ? 1 : this.runs
    const levels = (this.quick ? '1,64' : this.concurrency).split(',').map(Number)
    const targets = this.targets.split(',') as TargetName[]
    const log = (line: string): void => { this.context.stderr.write(`bench:compare: ${line}\n`) }
    const children = new ChildProcesses()
    const cleanups: (() => void)[] = []
    const open: BenchTarget[] = []
    const onSignal = (): void => { void stop().then(() => process.exit(130)) }
    const stop = async (): Promise<void> => {
      for (const target of open.splice(0)) target.close()
      await children.stopAll()
      for (const cleanup of cleanups.splice(0)) cleanup()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      const started = await this.startTargets(targets, children, cleanups, log)
      open.push(...[...started.values()].map((s) => s.target))
      for (const target of open) await target.prepare(30_000)
      const results: RunRecord[] = []
      for (let run = 1; run <= runs; run++) {
        for (const c of levels) {
          for (const [name, { target, pids }] of started) {
            for (const kind of name === 'echo' ? ['read' as const] : ['read' as const, 'write' as const]) {
              const label = `run ${run}/${runs} C=${c} ${name} ${kind}`
              const progress = new BenchProgress(label, { durationMs })
              const cpuBeforeMs = processesCpuMs(pids)
              const result = await runLoad(target, { concurrency: c, readRatio: kind === 'read' ? 1 : 0, durationMs, seed: run,
                onProgress: (p) => progress.update(p) })
              const serverCpuUsPerOp = result.totalOps === 0 ? 0 : Math.round(((processesCpuMs(pids) - cpuBeforeMs) * 1_000) / result.totalOps)
              progress.stop()
              const stats = result.byKind[0]
              log(`${label}: ${result.opsPerSec} ops/s, p99 ${stats?.p99Ms ?? 0} ms, ${result.totalErrors} errors, ` +
                `CPU/op server ${serverCpuUsPerOp} us, client ${result.clientCpuUsPerOp} us`)
              results.push({ target: name, kind, result, serverCpuUsPerOp })
            }
          }
        }
      }
      const cells = cellsOf(results)
      const checks = checksOf(cells)
      const machine = machineInfo()
      this.context.stdout.write(this.json
        ? JSON.stringify({ machine, durationMs, runs, keys: this.keys, cells, checks, results }) + '\n'
        : `${machine.cpus} x ${machine.cpuModel}, node ${machine.node}; ${runs} run(s) of ${durationMs / 1000} s per cell, ${this.keys} keys\n\n` +
          formatComparison(cells, checks))
      return 0
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await stop()
    }
  }

  private async startTargets(targets: readonly TargetName[], children: ChildProcesses, cleanups: (() => void)[],
    log: (line: string) => void): Promise<Map<TargetName, { target: BenchTarget; pids: readonly number[] }>> {
    const started = new Map<TargetName, { target: BenchTarget; pids: readonly number[] }>()
    const timeoutMs = 10_000
    if (targets.includes('token-manager')) {
      const nodeArgs = this.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`]
      const cluster = await startLocalCluster(children, { nodes: 3, tokens: this.keys, logLevel: 'warn', nodeArgs })
      cleanups.push(() => cluster.remove())
      log(`token-manager on ${cluster.addresses.join(', ')}`)
      const scheme = loadSchemeFile(cluster.configPath)
      started.set('token-manager', { target: new TokenTarget(scheme, { tokens: scheme.entries.map((e) => e.token), domainSize: 16, timeoutMs }),
        pids: cluster.pids })
    }
    if (targets.includes('etcd')) {
      const etcd = ensureEtcd(log)
      const cluster = await startEtcdCluster(children, etcd, 3)
      cleanups.push(() => cluster.remove())
      log(`etcd on ${cluster.endpoints.join(', ')}`)
      started.set('etcd', { target: new EtcdTarget({ endpoints: cluster.endpoints, keys: this.keys, valueBytes: 16, timeoutMs }), pids: cluster.pids })
    }
    if (targets.includes('echo')) {
      const [port] = await freePorts(1)
      const echo = await children.start('echo server', process.execPath, [join(packageRoot(), 'dist/src/bin/bench/echo-server.js'), `127.0.0.1:${port}`],
        { line: /listening/ }, 10_000)
      started.set('echo', { target: new EchoTarget(`127.0.0.1:${port}`, this.keys, 16, timeoutMs), pids: [echo.pid!] })
    }
    return started
  }
}

const cli = new Cli({ binaryName: 'bench:compare', binaryLabel: 'token manager vs etcd vs echo', binaryVersion: '0.1.0',
  enableColors: process.stdout.isTTY === true })
cli.register(CompareCommand)
cli.register(Builtins.HelpCommand)
await cli.runExit(process.argv.slice(2))
