#!/usr/bin/env node
// tm-chaos: a chaos run on real tm-server processes, checked for atomicity. `tm-chaos --help`.
import { binaryCli, runBinary } from '../bin/support/cli-bootstrap.js'
import { Command, Option, UsageError } from 'clipanion'
import * as t from 'typanion'
import { InvalidArgumentError } from '../core/errors.js'
import { parseDuration } from '../plugins/yaml-config/settings-file.js'
import { failureDetails, summaryLine } from './chaos/chaos-result.js'
import { runChaos } from './chaos/chaos-run.js'

class ChaosCommand extends Command {
  static override paths = [Command.Default]
  static override usage = Command.Usage({
    description: 'Run a cluster of durable tm-server nodes under faults and check every token for atomicity',
    details: `
      Starts --nodes tm-server processes with --data-dir on free 127.0.0.1 ports, each behind a TCP delay proxy that
      owns its access point, with a generated scheme of --tokens tokens (replica sets of 3-5, writer also a reader or
      not). --clients concurrent clients read and write (and now and then drop and create) over gRPC, recording
      every operation. For --duration a nemesis silences minorities per token (AdminService FailSilent), kills
      nodes with SIGKILL and restarts them on their data dirs, slows links, and once kills every node at once;
      mostly within each token's fault budget, now and then beyond it.

      Then it heals (links fast, every node up and no longer silent), requires every token to serve a read and a
      write within --liveness-bound, kills every node once more and restarts them all, reads every token a last
      time, checks each token's history for linearizability and counts lost acknowledged writes.

      Prints one summary line (\`--json\`: one JSON object). Exit 0 when all is well, 1 on a violation, a lost
      acknowledged write or a liveness failure, 2 when there is no verdict (checker timeout, harness error).
      --seed replays the scheme and the nemesis's choices (the clients' timing is not replayable).
      --history-dir keeps history.jsonl (for \`tm-check history.jsonl --html report.html\`), the scheme, the
      nemesis events, summary.json, and the node logs when the run fails.
    `,
    examples: [
      ['One minute of chaos', '$0 --duration 60s'],
      ['Replay a seed and keep the files', '$0 --duration 60s --seed 42 --history-dir /tmp/chaos-42'],
    ],
  })

  duration = Option.String('--duration', '60s', { description: 'How long the nemesis runs (e.g. 60s, 10m)' })
  seed = Option.String('--seed', {
    validator: t.isNumber(),
    description: 'Seed of the scheme and the nemesis (default: random)',
  })
  json = Option.Boolean('--json', false, { description: 'Print exactly one JSON object on stdout' })
  historyDir = Option.String('--history-dir', {
    description: 'Keep the history, scheme, nemesis log (and node logs on failure) here',
  })
  nodes = Option.String('--nodes', '5', { validator: t.isNumber(), description: 'Number of nodes (at least 3)' })
  tokens = Option.String('--tokens', '6', { validator: t.isNumber(), description: 'Number of tokens' })
  clients = Option.String('--clients', '6', { validator: t.isNumber(), description: 'Concurrent clients' })
  lifecycle = Option.Boolean('--lifecycle', true, {
    description: 'Also drop and create tokens now and then (--no-lifecycle: never)',
  })
  livenessBound = Option.String('--liveness-bound', '10s', {
    description: 'After the heal, each token must answer within this',
  })
  checkTimeout = Option.String('--check-timeout', {
    description: 'Budget of the linearizability check (default: 60s or the duration)',
  })
  interval = Option.String('--fault-interval', '700ms-2500ms', { description: 'Pause between faults, as MIN-MAX' })
  startTimeout = Option.String('--start-timeout', '60s', { description: 'A node (re)start must serve within this' })
  think = Option.String('--think', '10ms', { description: 'Client pause after each operation, up to this' })
  shortDeadline = Option.String('--short-deadline', '1s', {
    description: "The deadline of short-deadline calls (the nodes' read lease is 1 s)",
  })
  shortShare = Option.String('--short-share', '0.5', {
    validator: t.isNumber(),
    description: 'Share of calls with the short deadline (0: none)',
  })

  async execute(): Promise<number> {
    try {
      return await this.run()
    } catch (error) {
      // Anything thrown leaves no verdict: exit 2, never clipanion's 1, which would read as a violation.
      const message = error instanceof UsageError ? error.message : error instanceof Error ? error.stack : String(error)
      this.context.stderr.write(`tm-chaos: ${message}\n`)
      return 2
    }
  }

  private async run(): Promise<number> {
    const durationMs = duration(this.duration, '--duration')
    if (this.nodes < 3) throw new UsageError('--nodes must be at least 3')
    if (this.tokens < 1 || this.clients < 1) throw new UsageError('--tokens and --clients must be at least 1')
    const seed = this.seed ?? Math.floor(Math.random() * 2 ** 31)
    const result = await runChaos({
      durationMs,
      seed,
      nodes: this.nodes,
      tokens: this.tokens,
      clients: this.clients,
      lifecycle: this.lifecycle,
      ...(this.historyDir === undefined ? {} : { historyDir: this.historyDir }),
      livenessBoundMs: duration(this.livenessBound, '--liveness-bound'),
      clientTimeoutMs: 4_000,
      operationTimeoutMs: 3_000,
      startTimeoutMs: duration(this.startTimeout, '--start-timeout'),
      shortDeadline: { timeoutMs: duration(this.shortDeadline, '--short-deadline'), share: this.shortShare },
      checkTimeoutMs:
        this.checkTimeout === undefined ? Math.max(60_000, durationMs) : duration(this.checkTimeout, '--check-timeout'),
      thinkMs: duration(this.think, '--think'),
      nemesis: {
        intervalMs: range(this.interval),
        downMs: [1_000, 5_000],
        slowMs: [2_000, 8_000],
        overQuorumChance: 0.08,
        killAllAt: 0.5,
        recoveryMs: 4_000,
      },
      log: (line) => {
        if (!this.json) this.context.stderr.write(`${line}\n`)
      },
    })
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify(result)}\n`)
    } else {
      for (const line of failureDetails(result)) this.context.stderr.write(`${line}\n`)
      this.context.stdout.write(`${summaryLine(result)}\n`)
    }
    return result.exitCode
  }
}

function duration(text: string, flag: string): number {
  try {
    return parseDuration(text)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`${flag}: ${error.message}`)
    throw error
  }
}

function range(text: string): [number, number] {
  const [low, high] = text.split('-').map((part) => duration(part, '--fault-interval'))
  if (low === undefined || high === undefined || high < low)
    throw new UsageError(`--fault-interval must be MIN-MAX, got "${text}"`)
  return [low, high]
}

const cli = binaryCli({ name: 'tm-chaos', label: 'atomic-token-manager chaos run' }, [ChaosCommand])
// Interrupted: exit at once; the cluster's exit hook kills the nodes.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))
process.exitCode = await runBinary(cli, process.argv.slice(2))
