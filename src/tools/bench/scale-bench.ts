#!/usr/bin/env node
// npm run bench:scale: (a) start-up, memory and restart of 3 durable nodes on schemes of 10^2, 10^4 and 10^5 tokens;
// (b) reads and writes on replica sets of 3, 5 and 9 nodes. `node dist/src/tools/bench/scale-bench.js --help`.
import { binaryCli, runBinary } from '../../bin/support/cli-bootstrap.js'
import { Command, Option, UsageError } from 'clipanion'
import * as t from 'typanion'
import { parseDuration } from '../../plugins/yaml-config/settings-file.js'
import { ChildProcesses } from './child-processes.js'
import type { ClusterPersistence } from './local-cluster.js'
import { machineInfo } from './machine-info.js'
import { measureReplicaSets, type ReplicaRow } from './replica-scale.js'
import {
  formatReplicaSets,
  formatStartup,
  perTokenKb,
  RESTART_TARGET_MS,
  RESTART_TARGET_TOKENS,
} from './scale-report.js'
import { measureStartup, type StartupRow } from './startup-scale.js'

/** The baseline scheme of the memory figures: one token per writer. */
const BASELINE_TOKENS = 3

class ScaleCommand extends Command {
  static override usage = Command.Usage({
    description: 'Start-up, memory and restart at 10^2..10^5 tokens; throughput on replica sets of 3, 5 and 9 nodes',
    details: `
      Start-up: for each --tokens count (and a ${BASELINE_TOKENS}-token baseline), 3 durable nodes with fresh data dirs in the
      temp dir on a generated scheme (every token on all 3 nodes, token i written by node i mod 3) are spawned at
      once: time to "node started" and to a first read; every token is written once (--concurrency at a time);
      resident memory per node (RSS from /proc, less the baseline's, per token); then node 1 is killed with SIGKILL
      and started on its data dir: time to "node started" and to a first read served by it, and to read every token
      there. Replica sets: clusters of each --nodes size (every token on every node, writers spread), reads and
      writes at --concurrency, --runs times of --duration, sizes interleaved; medians.
    `,
  })

  tokens = Option.String('--tokens', '100,10000,100000', {
    description: 'Scheme sizes of the start-up part (default 100,10000,100000)',
  })
  nodes = Option.String('--nodes', '3,5,9', { description: 'Replica set sizes (default 3,5,9)' })
  modes = Option.String('--modes', 'durable,memory', {
    description: 'Persistence of the replica-set part: durable,memory (default both)',
  })
  parts = Option.String('--parts', 'startup,replicas', { description: 'Which parts to run (default startup,replicas)' })
  concurrency = Option.String('--concurrency', '64', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
    description: 'Closed-loop clients (default 64)',
  })
  runs = Option.String('--runs', '3', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
    description: 'Runs per replica-set cell (default 3)',
  })
  duration = Option.String('--duration', '10s', { description: 'Length of each replica-set run (default 10s)' })
  quick = Option.Boolean('--quick', false, {
    description: 'A smoke run: 100 and 1000 tokens without the read sweep; 3 and 5 nodes, 1 run of 2 s',
  })
  json = Option.Boolean('--json', false, { description: 'One JSON object on stdout' })

  async execute(): Promise<number> {
    const log = (line: string): void => {
      this.context.stderr.write(`bench:scale: ${line}\n`)
    }
    const parts = listOf(this.parts, ['startup', 'replicas'], '--parts')
    const children = new ChildProcesses()
    const onSignal = (): void => {
      void children.stopAll().then(() => process.exit(130))
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const errors: string[] = []
    // Each part on its own: a failure in one still reports the other (the start-up part alone takes 20 minutes).
    const attempt = async <T>(part: string, run: () => Promise<T>): Promise<T | undefined> => {
      if (!parts.includes(part)) return undefined
      try {
        return await run()
      } catch (error) {
        errors.push(`${part}: ${error instanceof Error ? error.message : String(error)}`)
        log(`${part} failed: ${String(error)}`)
        await children.stopAll()
        return undefined
      }
    }
    try {
      if (!this.json) this.context.stdout.write(machineLine())
      const startup = await attempt('startup', () => this.startup(children, log))
      if (!this.json && startup !== undefined)
        this.context.stdout.write(`\n${formatStartup(startup.rows, startup.baseline)}`)
      const replicas = await attempt('replicas', () => this.replicaSets(children, log))
      if (!this.json && replicas !== undefined)
        this.context.stdout.write(`\n${formatReplicaSets(replicas, this.concurrency)}`)
      if (this.json) this.context.stdout.write(`${JSON.stringify({ ...this.jsonReport(startup, replicas), errors })}\n`)
      else for (const error of errors) this.context.stdout.write(`\nFAILED ${error}\n`)
      return errors.length === 0 ? 0 : 1
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await children.stopAll()
    }
  }

  private async startup(children: ChildProcesses, log: (line: string) => void) {
    const counts = numbersOf(this.quick ? '100,1000' : this.tokens, '--tokens')
    const options = { concurrency: this.concurrency, readAll: !this.quick, log }
    const baseline = await measureStartup(children, BASELINE_TOKENS, options)
    const rows: StartupRow[] = []
    for (const tokens of counts) rows.push(await measureStartup(children, tokens, options))
    return { baseline, rows }
  }

  private async replicaSets(children: ChildProcesses, log: (line: string) => void): Promise<ReplicaRow[]> {
    const sizes = numbersOf(this.quick ? '3,5' : this.nodes, '--nodes')
    const modes = listOf(this.modes, ['durable', 'memory'], '--modes') as ClusterPersistence[]
    const rows: ReplicaRow[] = []
    for (const mode of modes) {
      rows.push(
        ...(await measureReplicaSets(children, {
          sizes,
          mode,
          tokens: 100,
          concurrency: this.concurrency,
          runs: this.quick ? 1 : this.runs,
          durationMs: parseDuration(this.quick ? '2s' : this.duration),
          log,
        })),
      )
    }
    return rows
  }

  private jsonReport(
    startup: { baseline: StartupRow; rows: StartupRow[] } | undefined,
    replicas: ReplicaRow[] | undefined,
  ): object {
    const rows = startup?.rows.map((row) => ({ ...row, kbPerToken: perTokenKb(row, startup.baseline) }))
    const target = startup?.rows.find((r) => r.tokens === RESTART_TARGET_TOKENS)
    return {
      machine: machineInfo(),
      concurrency: this.concurrency,
      startup: startup && { baseline: startup.baseline, rows },
      restartTarget: target && {
        tokens: RESTART_TARGET_TOKENS,
        goalMs: RESTART_TARGET_MS,
        ms: target.restartFirstReadMs,
        holds: target.restartFirstReadMs <= RESTART_TARGET_MS,
      },
      replicaSets: replicas,
    }
  }
}

function machineLine(): string {
  const machine = machineInfo()
  return `${machine.cpus} x ${machine.cpuModel}, node ${machine.node}\n`
}

function numbersOf(text: string, option: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()))
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1))
    throw new UsageError(`${option}: positive integers, got ${text}`)
  return values
}

function listOf(text: string, allowed: readonly string[], option: string): string[] {
  const values = text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
  if (values.length === 0 || values.some((v) => !allowed.includes(v)))
    throw new UsageError(`${option}: use some of ${allowed.join(',')}; got ${text}`)
  return values
}

const cli = binaryCli({ name: 'bench:scale', label: 'token manager at scale' }, [ScaleCommand])

process.exitCode = await runBinary(cli, process.argv.slice(2))
