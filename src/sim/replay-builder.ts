import type { Counterexample } from '../core/checker/counterexample.js'
import type { CheckReport } from '../core/checker/linearizability-checker.js'
import type { ReplayCounterexample, ReplayData, ReplayOperation, ReplayTokenReport } from './replay-data.js'
import { completionLabel, operationLabel, outcomeOf } from './replay-labels.js'
import type { OperationSteps, SimRecorder } from './sim-recorder.js'
import { roundMs } from './sim-recorder.js'
import type { SimOperation, SimulationRun } from './simulation.js'

export interface ReplayMeta {
  readonly title: string
  readonly variant?: string
  readonly summary: string
}

/** The replay page's data: the recorded steps, the operations, and the checker's verdict on them. */
export function buildReplay(
  run: SimulationRun,
  recorder: SimRecorder,
  report: CheckReport,
  meta: ReplayMeta,
): ReplayData {
  const counterexample = firstCounterexample(report, recorder.operationSteps)
  return {
    title: meta.title,
    seed: run.seed,
    ...(meta.variant !== undefined && { variant: meta.variant }),
    summary: meta.summary,
    verdict: report.verdict,
    nodes: run.cluster.scheme.nodes(),
    tokens: tokenReports(run, report),
    steps: recorder.steps,
    messages: recorder.messages,
    operations: [...run.history]
      .sort((a, b) => a.id - b.id)
      .map((op) => replayOperation(op, recorder.operationSteps.get(op.id))),
    ...(counterexample && { counterexample }),
    maxSteps: recorder.limits.maxSteps,
    truncated: recorder.truncated,
    initialStep: counterexample?.step ?? 0,
  }
}

function tokenReports(run: SimulationRun, report: CheckReport): ReplayTokenReport[] {
  return run.scheme.map((entry) => {
    const checked = report.tokens.find((t) => t.token === entry.token)
    return {
      token: entry.token,
      writer: entry.writer,
      readers: entry.readers,
      // A token no client touched has the empty history: linearizable.
      verdict: checked?.verdict ?? 'linearizable',
      ...(checked?.linearization && { linearization: checked.linearization }),
      ...(checked?.counterexample && { counterexample: counterexampleIds(checked.counterexample) }),
    }
  })
}

function replayOperation(op: SimOperation, steps: OperationSteps | undefined): ReplayOperation {
  const completion = op.completion
  return {
    id: op.id,
    client: op.client,
    token: op.token,
    node: op.node,
    label: operationLabel(op.op),
    result: op.cancelled === true ? `cancelled: ${completionLabel(completion)}` : completionLabel(completion),
    outcome: outcomeOf(op),
    invokeMs: roundMs(op.invokeMs),
    ...(completion.kind !== 'unknown' && { returnMs: roundMs(completion.returnMs) }),
    ...(steps?.invoke !== undefined && { invokeStep: steps.invoke }),
    ...(steps?.complete !== undefined && { completeStep: steps.complete }),
  }
}

/** The first token's counterexample, and the step that returned its unexplained result. */
function firstCounterexample(
  report: CheckReport,
  operationSteps: ReadonlyMap<number, OperationSteps>,
): ReplayCounterexample | undefined {
  const found = report.tokens.find((t) => t.counterexample !== undefined)?.counterexample
  if (found === undefined) return undefined
  const step = operationSteps.get(found.blocked.id)?.complete
  return {
    token: found.token,
    blocked: found.blocked.id,
    operations: counterexampleIds(found),
    message: found.message,
    ...(step !== undefined && { step }),
  }
}

function counterexampleIds(counterexample: Counterexample): number[] {
  const ids = [...counterexample.linearized, ...counterexample.concurrent, counterexample.blocked].map((o) => o.id)
  return [...new Set(ids)].sort((a, b) => a - b)
}
