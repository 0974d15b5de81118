import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCheck } from '../../src/bin/check/check-cli.js'
import { exitCodeOf } from '../../src/bin/check/check-report.js'
import { repoRoot } from '../support/repo-root.js'
import { Capture } from '../support/run-client.js'

/* tm-check on hand-written history files in tm-client's --history format. */

interface Line {
  type: string
  id: string
  client?: string
  token?: string
  op?: object
  result?: object
  error?: string
  timeMs: number
}

const invoke = (id: string, client: string, op: object, timeMs: number, token = 't'): Line => ({
  type: 'invoke',
  id,
  client,
  token,
  op,
  timeMs,
})
const ok = (id: string, result: object, timeMs: number): Line => ({ type: 'ok', id, result, timeMs })
const write = (value: string): object => ({ kind: 'write', value })
const READ = { kind: 'read' }
const OK = { kind: 'ok' }
const value = (v: string): object => ({ kind: 'value', value: v })

/** write v1 ok, write v2 ok, then a read that returns v1: stale. Lines 1-6. */
const STALE: Line[] = [
  invoke('a1', 'A', write('v1|0|1|2'), 1000),
  ok('a1', OK, 1010),
  invoke('a2', 'A', write('v2|0|1|2'), 1020),
  ok('a2', OK, 1030),
  invoke('b1', 'B', READ, 1040),
  ok('b1', value('v1|0|1|2'), 1050),
]

function historyFile(lines: readonly (Line | string)[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tm-check-')), 'history.jsonl')
  writeFileSync(file, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`)
  return file
}

async function check(args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const stdout = new Capture()
  const stderr = new Capture()
  const exitCode = await runCheck(args, { stdout, stderr })
  return { exitCode, stdout: stdout.text, stderr: stderr.text }
}

test('a linearizable history: one line per token, exit 0', async (t) => {
  const file = historyFile([
    invoke('a1', 'A', write('v1|0|1|2'), 1000),
    invoke('b1', 'B', READ, 1001),
    ok('b1', { kind: 'empty' }, 1005),
    ok('a1', OK, 1010),
    invoke('b2', 'B', READ, 1020),
    ok('b2', value('v1|0|1|2'), 1030),
    invoke('c1', 'C', { kind: 'drop' }, 1000, 'u'),
    ok('c1', OK, 1002),
    invoke('c2', 'C', READ, 1003, 'u'),
    ok('c2', { kind: 'not-found' }, 1004),
  ])
  const run = await check([file])
  t.is(run.exitCode, 0, run.stderr)
  t.is(run.stdout, 'token t: linearizable (3 operations)\ntoken u: linearizable (2 operations)\n')
})

test('an invoke without completion is an unknown outcome: its value may be read later', async (t) => {
  const file = historyFile([
    invoke('a1', 'A', write('v1|0|1|2'), 1000),
    invoke('b1', 'B', READ, 1500),
    ok('b1', value('v1|0|1|2'), 1510),
  ])
  const run = await check([file])
  t.is(run.exitCode, 0, run.stdout + run.stderr)
})

test('a stale read is a violation: exit 1 and the counterexample around it', async (t) => {
  const run = await check([historyFile(STALE)])
  t.is(run.exitCode, 1)
  const lines = run.stdout.split('\n')
  t.is(lines[0], 'token t: NOT linearizable')
  t.regex(run.stdout, /no order explains #5 read by B \[1040, 1050\] ms -> value "v1\|0\|1\|2"/)
  t.regex(run.stdout, /#3 write\("v2\|0\|1\|2"\) by A/)
  t.regex(run.stdout, /ids: #3=a2, #5=b1/)
  t.false(run.stdout.includes('#1 write'), 'the window starts after the first write')
})

test("--json prints one object with the counterexample's record ids", async (t) => {
  const run = await check([historyFile(STALE), '--json'])
  t.is(run.exitCode, 1)
  const report = JSON.parse(run.stdout)
  t.is(report.verdict, 'violation')
  t.like(report.tokens[0], {
    token: 't',
    verdict: 'violation',
    counterexample: { blocked: { id: 'b1', line: 5 }, linearized: [{ id: 'a2', line: 3 }] },
  })
})

test('a malformed line or bad history: exit 2 naming the line, no verdict', async (t) => {
  const file = historyFile([STALE[0]!, STALE[1]!, '{"type":"invoke", oops', ...STALE.slice(2)])
  const run = await check([file])
  t.is(run.exitCode, 2)
  t.is(run.stdout, '')
  t.regex(run.stderr, new RegExp(`^tm-check: ${file.replace(/[.\\]/g, '\\$&')}:3: malformed line, not JSON`))
  const orphan = await check([historyFile([ok('zz', OK, 1)])])
  t.regex(orphan.stderr, /:1: completion of operation zz before its invoke/)
  t.is(orphan.exitCode, 2)
  const badResult = await check([historyFile([invoke('a', 'A', READ, 1), ok('a', { kind: 'maybe' }, 2)])])
  t.regex(badResult.stderr, /:2: malformed completion/)
  const overlap = await check([
    historyFile([invoke('a', 'A', READ, 1), invoke('b', 'A', READ, 2), ok('a', value('x'), 3), ok('b', value('x'), 4)]),
  ])
  t.is(overlap.exitCode, 2)
  t.regex(overlap.stderr, /client "A" has overlapping operations/)
  t.is((await check([])).exitCode, 2)
  const empty = await check([historyFile([])])
  t.is(empty.exitCode, 2, 'an empty history gives no verdict')
  t.regex(empty.stderr, /^tm-check: .* holds no operations: nothing to check\n$/)
  t.is((await check(['/nonexistent/history.jsonl'])).exitCode, 2)
  t.is((await check([file, '--timeout', 'soon'])).exitCode, 2)
  t.is(exitCodeOf({ verdict: 'timeout', tokens: [], elapsedMs: 1 }), 2, 'a timeout gives no verdict either')
})

test('--html writes a self-contained page: an SVG timeline, the counterexample in red, all text escaped', async (t) => {
  const lines = [...STALE, invoke('<x>', 'evil"<client>', write('<script>alert(1)</script>'), 2000, 'u')]
  const out = join(mkdtempSync(join(tmpdir(), 'tm-check-html-')), 'report.html')
  const run = await check([historyFile(lines), '--html', out])
  t.is(run.exitCode, 1)
  const html = readFileSync(out, 'utf8')
  t.true(html.startsWith('<!DOCTYPE html>'))
  t.true(html.includes('<svg'))
  t.regex(html, /<g class="op ok counterexample" data-id="a2"/)
  t.regex(html, /<g class="op ok counterexample blocked" data-id="b1"/)
  t.regex(html, /<g class="op ok" data-id="a1"/)
  t.regex(html, /<g class="op unknown" data-id="&#60;x&#62;"/)
  t.false(html.includes('<script>'))
  t.false(html.includes('<client>'))
  t.false(/(src|href)=["']?http/.test(html), 'no external assets')
  t.regex(html, /NOT linearizable/)
})

test('the built bin exits with the verdict', (t) => {
  const bin = join(repoRoot(), 'dist/src/bin/tm-check.js')
  const stale = spawnSync(bin, [historyFile(STALE)], { encoding: 'utf8' })
  t.is(stale.status, 1)
  t.true(stale.stdout.startsWith('token t: NOT linearizable\n'))
  const fine = spawnSync(bin, [historyFile(STALE.slice(0, 4))], { encoding: 'utf8' })
  t.is(fine.status, 0)
  t.is(fine.stdout, 'token t: linearizable (2 operations)\n')
  t.is(spawnSync(bin, ['--nope'], { encoding: 'utf8' }).status, 2)
})
