#!/usr/bin/env node
import { binaryCli, runBinary } from '../../bin/support/cli-bootstrap.js'
import { Command, Option } from 'clipanion'
import * as t from 'typanion'
import { runFlood } from './flood-run.js'

class FloodCommand extends Command {
  static override usage = Command.Usage({
    description:
      'Flood a node with reads of a token it is silent for; report its RSS before, at peak and after cancelling',
    examples: [
      ['The default flood', 'npm run flood'],
      ['A smaller one', 'npm run flood -- --requests 5000 --max-parked 1000'],
    ],
  })

  requests = Option.String('--requests', '50000', {
    validator: t.isNumber(),
    description: 'Reads to send (default 50000)',
  })
  maxParked = Option.String('--max-parked', '10000', {
    validator: t.isNumber(),
    description: "The node's maxParked (default 10000)",
  })
  deadlineMs = Option.String('--deadline-ms', '600000', {
    validator: t.isNumber(),
    description: "Each read's deadline (default 10 min)",
  })
  waitMs = Option.String('--wait-ms', '600000', {
    validator: t.isNumber(),
    description: 'Bound on each wait for the node (default 10 min)',
  })

  async execute(): Promise<number> {
    const report = await runFlood(
      { requests: this.requests, maxParked: this.maxParked, deadlineMs: this.deadlineMs, waitMs: this.waitMs },
      (line) => this.context.stdout.write(`${line}\n`),
    )
    const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`
    this.context.stdout.write(
      `${[
        `requests ${report.requests}, maxParked ${report.maxParked}`,
        `RSS before        ${mib(report.rssBeforeKiB)}`,
        `RSS at peak       ${mib(report.rssPeakKiB)}  (${report.parkedPeak} parked, ${report.resourceExhausted} RESOURCE_EXHAUSTED)`,
        `RSS after cancel  ${mib(report.rssAfterCancelKiB)}  (${report.parkedAfterCancel} parked, released in ${report.releaseMs} ms)`,
        `outcomes: ${report.cancelled} CANCELLED, ${report.resourceExhausted} RESOURCE_EXHAUSTED, other ${JSON.stringify(report.other)}`,
      ].join('\n')}\n`,
    )
    const bounded = report.parkedPeak <= report.maxParked && report.parkedAfterCancel === 0
    return bounded ? 0 : 1
  }
}

const cli = binaryCli({ name: 'flood', label: 'atomic-token-manager flood' }, [FloodCommand])

process.exitCode = await runBinary(cli, process.argv.slice(2))
