#!/usr/bin/env node
// tm-sim: run one seeded simulation of a cluster, check it, and replay it in a page. `tm-sim --help`.
import { runSim } from './sim/sim-cli.js'

process.exitCode = await runSim(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr })
