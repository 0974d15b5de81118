#!/usr/bin/env node
// tm-bench: load a running cluster and report throughput and latency. `tm-bench --help` for usage.
import { binaryCli, runBinary } from './support/cli-bootstrap.js'
import { BenchCommand } from './load/bench-command.js'

const cli = binaryCli({ name: 'tm-bench', label: 'tm-bench: the token manager load generator' }, [BenchCommand])

process.exitCode = await runBinary(cli, process.argv.slice(2))
