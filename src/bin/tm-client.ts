#!/usr/bin/env node
// tm-client: create, drop, write and read tokens, and silence or inspect nodes. `tm-client --help` for usage.
import { createClientCli } from './client/client-cli.js'

const cli = createClientCli()
await cli.runExit(process.argv.slice(2))
