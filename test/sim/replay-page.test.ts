import test from 'ava'
import { renderReplayPage, scriptJson } from '../../src/sim/page/replay-page.js'
import type { ReplayData } from '../../src/sim/replay-data.js'
import { recordReplay } from '../../src/sim/replay-run.js'

const healthy = { seed: 7, operations: 40, clients: 3, tokens: 2 }
/** A seed whose single-replica run serves a stale read (found with tm-sim). */
const broken = { seed: 1, variant: 'single-replica-quorum', operations: 40, clients: 3, tokens: 2 }

/** The run's data as the page carries it. */
function pageData(page: string): ReplayData {
  const match = /<script type="application\/json" id="replay-data">(.*?)<\/script>/s.exec(page)
  if (match === null) throw new Error('the page has no data script')
  return JSON.parse(match[1]!) as ReplayData
}

test('the same seed gives the same page, byte for byte', async (t) => {
  const first = renderReplayPage((await recordReplay(healthy)).data)
  const second = renderReplayPage((await recordReplay(healthy)).data)
  t.is(first, second)
  t.true(first.length < 400_000, `${first.length} bytes`)
})

test('a linearizable run carries the checker order for each token, starting at step 0', async (t) => {
  const { data, summary } = await recordReplay(healthy)
  t.is(data.verdict, 'linearizable')
  t.is(data.initialStep, 0)
  t.regex(summary, /^seed 7: linearizable, \d+ steps, 42 operations, \d nodes, \d+ messages$/)
  for (const token of data.tokens) {
    const returned = data.operations.filter((o) => o.token === token.token && o.returnMs !== undefined)
    const definite = returned.filter((o) => o.outcome === 'ok' || o.outcome === 'refused')
    // Every operation that returned a result stands in the order (failed ones had no effect, so need no place).
    t.true((token.linearization ?? []).length >= definite.length, token.token)
  }
})

test('a broken variant opens at the step that returned the stale read, its counterexample listed', async (t) => {
  const { data, findings } = await recordReplay(broken)
  t.is(data.verdict, 'violation')
  t.true(findings.linearizability.length > 0)
  const counterexample = data.counterexample!
  t.true(counterexample.operations.includes(counterexample.blocked))
  t.true(counterexample.operations.length >= 2, 'the write the stale read missed is named too')
  t.is(data.initialStep, counterexample.step!)
  const blocked = data.operations.find((o) => o.id === counterexample.blocked)!
  t.is(blocked.completeStep, data.initialStep)
  const events = data.steps[data.initialStep]!.events
  t.true(events.some((e) => e.kind === 'complete' && e.op === blocked.id))
})

test('the page stands alone: no external resource, data escaped inside its script', async (t) => {
  const page = renderReplayPage((await recordReplay(broken)).data)
  t.notRegex(page, /\s(src|href)\s*=/)
  t.notRegex(page, /<link|@import|url\(http/)
  t.deepEqual(pageData(page).counterexample, (await recordReplay(broken)).data.counterexample)
  t.is(scriptJson({ name: '</script><b>x</b>' }), '{"name":"\\u003c/script>\\u003cb>x\\u003c/b>"}')
})

test('a page cut at its step limit says so and keeps every operation', async (t) => {
  const { data } = await recordReplay({ ...healthy, maxSteps: 30 })
  t.is(data.steps.length, 30)
  t.true(data.truncated)
  t.is(data.operations.length, 42)
})
