import test from 'ava'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChaosResult, summaryLine } from '../../src/tools/chaos/chaos-result.js'
import { repoRoot } from '../support/repo-root.js'
import { faketimeLibrary } from '../../src/tools/chaos/wall-clock.js'

/*
 * A short chaos run (tm-chaos) on real durable tm-server processes: every fault kind at least once, then heal,
 * liveness, a kill of every node, final reads, and the real verdict: linearizable, no lost acknowledged write,
 * every token live. Bounds are generous for a slow 2-core CI machine; only the verdict is asserted, never speed.
 * On failure the history and node logs stay in the printed directory (`tm-check history.jsonl --html r.html`).
 */

test('a short chaos run with silences, kill -9, slow links and a kill of every node stays atomic and loses no acknowledged write', async (t) => {
  t.timeout(420_000)
  const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000))
  const dir = mkdtempSync(join(tmpdir(), 'tm-chaos-short-'))
  const args = [
    join(repoRoot(), 'dist/src/tools/tm-chaos.js'),
    '--duration',
    '20s',
    '--seed',
    String(seed),
    '--json',
    '--history-dir',
    dir,
    '--clients',
    '4',
    '--tokens',
    '5',
    '--fault-interval',
    '400ms-1200ms',
    '--think',
    '30ms',
    '--liveness-bound',
    '60s',
    '--check-timeout',
    '120s',
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  t.log(`CHAOS_SEED=${seed}; files in ${dir}`)
  let result: ChaosResult
  try {
    result = JSON.parse(stdout) as ChaosResult
  } catch {
    t.fail(`tm-chaos printed no JSON (exit ${code}): ${stderr.slice(-3000)}`)
    return
  }
  t.log(summaryLine(result))
  const details = JSON.stringify(
    {
      tokens: result.tokenVerdicts,
      lost: result.lostWrites,
      liveness: result.livenessFailures,
      finals: result.finalReadFailures,
      errors: result.nemesisErrors,
    },
    null,
    1,
  ).slice(0, 6000)
  t.is(result.verdict, 'linearizable', details)
  t.deepEqual(result.lostWrites, [], details)
  t.deepEqual(result.livenessFailures, [], details)
  t.deepEqual(result.finalReadFailures, [], details)
  t.true(result.passed, details)
  t.is(code, 0, stderr.slice(-3000))
  for (const kind of ['silence', 'kill', 'wipe', 'slow', 'kill-all'] as const)
    t.true(result.faults[kind] >= 1, `no ${kind} fault injected`)
  // Clock steps need libfaketime (.ci/run installs it); without it the run says so and has none.
  if (faketimeLibrary() !== undefined) t.true(result.faults['clock-step'] >= 1, 'no clock-step fault injected')
  t.true(result.operations.ok > 0 && result.ackedWrites > 0, 'the clients got answers and acknowledged writes')
  t.is(result.tokenVerdicts.length, 5, 'every token was checked')
  t.true(readFileSync(join(dir, 'history.jsonl'), 'utf8').length > 0)
  if (result.passed) rmSync(dir, { recursive: true, force: true })
})
