#!/usr/bin/env node
// tm-bench: load a running cluster and report throughput and latency. `tm-bench --help` for usage.
import { Builtins, Cli } from 'clipanion'
import { BenchCommand } from './bench/bench-command.js'

const cli = new Cli({
  binaryName: 'tm-bench',
  binaryLabel: 'tm-bench: the token manager load generator',
  binaryVersion: '0.1.0',
  enableColors: process.stdout.isTTY === true,
})
cli.register(BenchCommand)
cli.register(Builtins.HelpCommand)
cli.register(Builtins.VersionCommand)
await cli.runExit(process.argv.slice(2))
