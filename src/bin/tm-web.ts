#!/usr/bin/env node
// tm-web: a live web page of a running cluster: its tokens x nodes, and actions. `tm-web --help` for usage.
import { binaryCli, runBinary } from './support/cli-bootstrap.js'
import { WebCommand } from './web/web-command.js'

const cli = binaryCli({ name: 'tm-web', label: 'tm-web: the live cluster page' }, [WebCommand])

process.exitCode = await runBinary(cli, process.argv.slice(2))
