#!/usr/bin/env node
// tm-certs: a cluster's certificates in one command (`tm-certs create --config config/tokens.yaml`). `tm-certs --help`.
import { Builtins, Cli } from 'clipanion'
import { CreateCertsCommand } from './certs/certs-command.js'

const cli = new Cli({
  binaryName: 'tm-certs',
  binaryLabel: 'atomic-token-manager certificates',
  binaryVersion: '0.1.0',
  enableColors: process.stdout.isTTY === true,
})
cli.register(CreateCertsCommand)
cli.register(Builtins.HelpCommand)
cli.register(Builtins.VersionCommand)
void cli.runExit(process.argv.slice(2))
