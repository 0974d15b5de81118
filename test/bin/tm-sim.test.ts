import test from 'ava'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { runSim } from '../../src/bin/sim/sim-cli.js'
import { BROKEN_VARIANTS } from '../../src/sim/broken-variants.js'

/** Runs tm-sim in-process and collects what it wrote. */
async function sim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, callback) {
        append(String(chunk))
        callback()
      },
    })
  const code = await runSim(args, {
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
  })
  return { code, stdout, stderr }
}

test('bad input gets one line naming it and exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /^tm-sim: missing --seed; see `tm-sim --help`\n$/],
    [['--seed', 'x'], /^tm-sim: --seed x: expected an integer from 0 to \d+\n$/],
    [['--seed', '1', '--operations', '0'], /^tm-sim: --operations 0: expected an integer from 1 to 2000\n$/],
    [['--seed', '1', '--nodes', '2'], /^tm-sim: --nodes 2: expected an integer from 3 to 9\n$/],
    [['--seed', '1', '--variant', 'nope'], /^tm-sim: --variant nope: no such variant \(known: .*\)\n$/],
  ]
  for (const [args, expected] of cases) {
    const result = await sim(args)
    t.is(result.code, 2, args.join(' '))
    t.regex(result.stderr, expected)
    t.is(result.stdout, '')
  }
})

test('--help lists every broken variant of the table the proof tests use', async (t) => {
  const { code, stdout } = await sim(['--help'])
  t.is(code, 0)
  for (const variant of BROKEN_VARIANTS) t.true(stdout.includes(variant.name), variant.name)
})

test('a healthy seed exits 0, a broken variant 1, each with its one-line summary and page', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tm-sim-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const healthy = await sim(['--seed', '7', '--html', join(dir, 'ok.html')])
  t.is(healthy.code, 0, healthy.stderr)
  t.regex(healthy.stdout, /^seed 7: linearizable, \d+ steps, 42 operations, \d nodes, \d+ messages\n$/)
  const broken = await sim(['--seed', '1', '--variant', 'single-replica-quorum', '--html', join(dir, 'bad.html')])
  t.is(broken.code, 1, broken.stderr)
  t.regex(broken.stdout, /^seed 1 \(single-replica-quorum\): not linearizable \(token .*\), \d+ steps/)
  t.regex(await readFile(join(dir, 'bad.html'), 'utf8'), /"counterexample":\{"token"/)
})
