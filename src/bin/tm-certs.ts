#!/usr/bin/env node
// tm-certs: a cluster's certificates in one command (`tm-certs create --config config/tokens.yaml`). `tm-certs --help`.
import { binaryCli, runBinary } from './support/cli-bootstrap.js'
import { CreateCertsCommand } from './certs/certs-command.js'

const cli = binaryCli({ name: 'tm-certs', label: 'atomic-token-manager certificates' }, [CreateCertsCommand])

process.exitCode = await runBinary(cli, process.argv.slice(2))
