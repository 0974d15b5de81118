#!/usr/bin/env node
// tm-check: check a history recorded with `tm-client ... --history FILE` for linearizability. `tm-check --help`.
import { runCheck } from './check/check-cli.js'

process.exitCode = await runCheck(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr })
