import test from 'ava'
import type { HistoryOperation } from '../../../src/core/checker/history.js'
import { returnMsOf } from '../../../src/core/checker/history.js'
import { checkLinearizability } from '../../../src/core/checker/linearizability-checker.js'
import { INITIAL_REGISTER_STATE, type RegisterState, stepRegister } from '../../../src/core/checker/register-model.js'
import { runSimulation } from '../../../src/sim/simulation.js'

/** Why `order` is not a linearization of `operations`, or undefined. */
function orderProblem(operations: readonly HistoryOperation[], order: readonly number[]): string | undefined {
  const byId = new Map(operations.map((o) => [o.id, o]))
  let state: RegisterState | undefined = INITIAL_REGISTER_STATE
  for (const id of order) {
    const o = byId.get(id)!
    state = stepRegister(state, o.op, o.completion.kind === 'ok' ? o.completion.result : undefined)
    if (state === undefined) return `#${id} is not legal where it stands`
  }
  const position = new Map(order.map((id, i) => [id, i]))
  for (const o of operations) {
    if (o.completion.kind === 'ok' && !position.has(o.id)) return `#${o.id} returned but is left out`
  }
  for (const a of order) {
    for (const b of order) {
      const before = returnMsOf(byId.get(a)!) < byId.get(b)!.invokeMs
      if (before && position.get(a)! > position.get(b)!) return `#${a} returned before #${b} began, yet follows it`
    }
  }
  return undefined
}

test('a linearizable token reports, when asked, an order that replays legally and keeps real-time order', async (t) => {
  const run = await runSimulation({
    seed: 7,
    operations: 200,
    clients: 5,
    tokens: 2,
    majorityFailureProbability: 0,
    operationTimeoutMs: 1_000,
  })
  const report = checkLinearizability(run.history, { linearization: true })
  t.is(report.verdict, 'linearizable')
  for (const token of report.tokens) {
    const operations = run.history.filter((o) => o.token === token.token)
    t.truthy(token.linearization, token.token)
    t.is(orderProblem(operations, token.linearization!), undefined, token.token)
  }
})

test('the linearization is left out unless asked for', async (t) => {
  const history: HistoryOperation[] = [
    { id: 1, client: 'a', token: 't', op: { kind: 'read' }, invokeMs: 0, completion: returned({ kind: 'empty' }) },
  ]
  t.is(checkLinearizability(history).tokens[0]!.linearization, undefined)
  t.deepEqual(checkLinearizability(history, { linearization: true }).tokens[0]!.linearization, [1])
})

function returned(result: { kind: 'empty' }): HistoryOperation['completion'] {
  return { kind: 'ok', result, returnMs: 1 }
}
