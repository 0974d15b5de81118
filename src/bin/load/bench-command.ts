import { Command, Option, UsageError } from 'clipanion'
import * as t from 'typanion'
import { loadSchemeFile } from '../../plugins/yaml-config/scheme-file.js'
import { parseDuration } from '../../plugins/yaml-config/settings-file.js'
import { clientSecurity } from '../client/client-tls.js'
import { BenchProgress } from './bench-progress.js'
import { formatLoadResult } from './bench-report.js'
import { runLoad } from './load-generator.js'
import { TokenTarget } from './token-target.js'
import { selectTokens } from './token-selection.js'

/** tm-bench: a closed-loop load generator against a running cluster, through the client library (TokenManagerClient). */
export class BenchCommand extends Command {
  static override usage = Command.Usage({
    description: 'Load a running token manager cluster and report throughput and latency',
    details: `
      Runs --concurrency closed-loop virtual clients over one TokenManagerClient (one gRPC channel per node). Each
      operation is a read (sent to a reader of the token, round robin) with probability --read-ratio, else a write (to
      the token's writer) of a small domain [0, --domain), so hashing stays negligible. Before measuring, every token is written
      once and read once at each reader (--no-prepare skips this). Errors are counted, never fatal.
      Prints ops/s and latency p50/p90/p99/max per op type; --json prints one JSON object instead.
    `,
    examples: [
      ['10 s, 16 clients, half reads, every token', '$0 --config config/tokens.yaml'],
      [
        'Reads only, 64 clients, first 3 tokens, 20000 ops',
        '$0 --config config/tokens.yaml --read-ratio 1 --concurrency 64 --tokens 3 --ops 20000',
      ],
    ],
  })

  config = Option.String('--config', {
    required: true,
    description: 'Replication scheme (YAML) of the running cluster',
  })
  concurrency = Option.String('--concurrency,-c', '16', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, 100_000)]),
    description: 'Closed-loop virtual clients (default 16)',
  })
  readRatio = Option.String('--read-ratio', '0.5', {
    validator: t.cascade(t.isNumber(), [t.isInInclusiveRange(0, 1)]),
    description: 'Share of reads, 0..1 (default 0.5)',
  })
  duration = Option.String('--duration', { description: 'How long to run: 10s, 1500ms, 2m (default 10s unless --ops)' })
  ops = Option.String('--ops', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
    description: 'Stop after this many operations',
  })
  tokens = Option.String('--tokens', {
    description: 'Which tokens: a count N (the first N), or ids "1,2,10-20" (default: all)',
  })
  domain = Option.String('--domain', '16', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, 1_000_000)]),
    description: 'Domain size of each write, [0, N) (default 16)',
  })
  timeoutMs = Option.String('--timeout', '5000', {
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]),
    description: 'Deadline of each call in ms (default 5000)',
  })
  prepare = Option.Boolean('--prepare', true, {
    description: 'Write and read every token once before measuring (default on)',
  })
  seed = Option.String('--seed', '1', { validator: t.isNumber(), description: 'Seed of the op and token choice' })
  json = Option.Boolean('--json', false, { description: 'One JSON object on stdout' })
  certsDir = Option.String('--certs-dir', {
    description: 'Certificates made by tm-certs (default certs), as for tm-client',
  })
  insecure = Option.Boolean('--insecure', false, {
    description: 'Plaintext, for a cluster whose nodes run with --insecure',
  })
  tlsCa = Option.String('--tls-ca', { description: 'Dial with TLS, trusting this CA (PEM)' })

  async execute(): Promise<number> {
    if (this.duration !== undefined && this.ops !== undefined)
      throw new UsageError('give --duration or --ops, not both')
    const durationMs = this.ops === undefined ? parseDuration(this.duration ?? '10s') : undefined
    const scheme = loadSchemeFile(this.config)
    // The same rules as tm-client: the certificates directory by default, plaintext only with --insecure.
    const security = clientSecurity({ ca: this.tlsCa, certsDir: this.certsDir, insecure: this.insecure })
    const target = new TokenTarget(scheme, {
      tokens: selectTokens(scheme, this.tokens),
      domainSize: this.domain,
      timeoutMs: this.timeoutMs,
      security,
    })
    const progress = new BenchProgress(
      'tm-bench',
      { durationMs, ops: this.ops },
      this.json ? fakeNonTty() : process.stderr,
    )
    try {
      if (this.prepare) await target.prepare(this.timeoutMs)
      const result = await runLoad(target, {
        concurrency: this.concurrency,
        readRatio: this.readRatio,
        durationMs,
        ops: this.ops,
        seed: this.seed,
        onProgress: (p) => progress.update(p),
      })
      progress.stop()
      this.context.stdout.write(this.json ? `${JSON.stringify(result)}\n` : formatLoadResult(result))
      return 0
    } finally {
      progress.stop()
      target.close()
    }
  }
}

/** --json output is for machines: no bar even at a terminal. */
function fakeNonTty(): NodeJS.WriteStream {
  return { isTTY: false } as NodeJS.WriteStream
}
