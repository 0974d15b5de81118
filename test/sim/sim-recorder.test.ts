import test from 'ava'
import { SimRecorder } from '../../src/sim/sim-recorder.js'
import { runSimulation, type SimulationOptions } from '../../src/sim/simulation.js'

/** Restarts, suspends, leases, a stranger and lagging links: every hook the recorder has is exercised. */
const busy = (seed: number): SimulationOptions => ({
  seed,
  operations: 120,
  clients: 4,
  tokens: 2,
  majorityFailureProbability: 0.15,
  operationTimeoutMs: 300,
  cancelProbability: 0.05,
  restarts: 2,
  suspends: 2,
  stranger: true,
  lag: true,
  readLeaseMs: 30,
})

/** What identifies a run: its history and how much it did. */
async function fingerprint(options: SimulationOptions) {
  const run = await runSimulation(options)
  const { sent, delivered } = run.cluster.network
  return { history: run.history, sent, delivered, events: run.cluster.time.eventsRun, endMs: run.endMs }
}

test('recording does not change the run: same seed, same history and message counts with or without it', async (t) => {
  for (const seed of [1, 2, 3, 4]) {
    const plain = await fingerprint(busy(seed))
    const recorder = new SimRecorder()
    const recorded = await fingerprint({ ...busy(seed), recorder })
    t.deepEqual(recorded, plain, `seed ${seed}`)
    t.true(recorder.steps.length > 10, `seed ${seed}: something was recorded`)
  }
})

test('the same seed records the same steps and messages', async (t) => {
  const first = new SimRecorder()
  const second = new SimRecorder()
  await runSimulation({ ...busy(9), recorder: first })
  await runSimulation({ ...busy(9), recorder: second })
  t.is(JSON.stringify(first.steps), JSON.stringify(second.steps))
  t.is(JSON.stringify(first.messages), JSON.stringify(second.messages))
})

test('the recorder keeps at most its step and message limits and says it stopped short', async (t) => {
  const recorder = new SimRecorder({ maxSteps: 50, maxMessages: 30 })
  const run = await runSimulation({ ...busy(5), recorder })
  t.is(recorder.steps.length, 50)
  t.true(recorder.messages.length <= 30)
  t.true(recorder.truncated)
  t.true(run.history.length > 0)
})

test('step 0 holds every node and token cell, and later steps only the cells they changed', async (t) => {
  const recorder = new SimRecorder()
  const run = await runSimulation({ ...busy(6), recorder })
  const cellsAtStart = Object.keys(recorder.steps[0]!.cells).length
  const expected = run.scheme.reduce((sum, entry) => sum + new Set([entry.writer, ...entry.readers]).size, 0)
  t.is(cellsAtStart, expected)
  t.is(recorder.steps[0]!.events[0]!.kind, 'start')
  t.true(recorder.steps.slice(1).every((step) => Object.keys(step.cells).length <= cellsAtStart))
  const kinds = new Set(recorder.steps.flatMap((step) => step.events.map((e) => e.kind)))
  for (const kind of ['deliver', 'invoke', 'complete', 'restart', 'suspend', 'resume', 'end'] as const) {
    t.true(kinds.has(kind), kind)
  }
})
