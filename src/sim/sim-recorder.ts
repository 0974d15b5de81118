import type { Clock } from '../core/ports/clock.js'
import type { Envelope, NodeId } from '../core/protocol/messages.js'
import type { NetworkObserver } from '../plugins/in-process/simulated-network.js'
import type { ReplayCell, ReplayEvent, ReplayEventKind, ReplayMessage, ReplayStep } from './replay-data.js'
import { cellOf, completionLabel, messageLabel, operationLabel } from './replay-labels.js'
import type { SimCluster } from './sim-cluster.js'
import type { SimOperation } from './simulation.js'

export interface RecorderLimits {
  /** Steps kept at most; the run goes on past them, unrecorded (the page says so). */
  readonly maxSteps: number
  /** Messages kept at most (each step refers to the messages it sent and delivered). */
  readonly maxMessages: number
}

export const DEFAULT_RECORDER_LIMITS: RecorderLimits = { maxSteps: 4_000, maxMessages: 12_000 }

/** Where an operation was invoked and completed, in steps. */
export interface OperationSteps {
  invoke?: number
  complete?: number
}

/** An operation as the client invoked it (its outcome comes with `completed`). */
export type Invocation = Pick<SimOperation, 'id' | 'client' | 'token' | 'node' | 'op'>

/**
 * Records a simulation step by step for the replay page: each event of the virtual-time queue that did something
 * (a delivery, a client call or completion, a node's timer, a restart, a suspend) becomes a step with its time,
 * what happened, the messages it sent and delivered, and the register cells that changed. It only reads: it draws
 * nothing from the PRNG and sets no timer, so a run is the same with or without it. Bounded by `limits`.
 */
export class SimRecorder implements NetworkObserver {
  readonly steps: ReplayStep[] = []
  readonly messages: ReplayMessage[] = []
  readonly operationSteps = new Map<number, OperationSteps>()
  /** The run went on past `limits.maxSteps`. */
  truncated = false
  private events: ReplayEvent[] = []
  private sentInStep = 0
  private readonly lastCells = new Map<string, string>()
  private cluster: SimCluster | undefined

  constructor(readonly limits: RecorderLimits = DEFAULT_RECORDER_LIMITS) {}

  /** Called by SimCluster.start before its nodes start. */
  attach(cluster: SimCluster): void {
    this.cluster = cluster
    cluster.network.observer = this
    cluster.time.afterEvent = () => this.commit()
  }

  /** `clock` as `node` sees it, noting each of its timers that fires. */
  observeClock(node: NodeId, clock: Clock): Clock {
    const observed: Clock = {
      nowMs: () => clock.nowMs(),
      setTimer: (delayMs, callback) =>
        clock.setTimer(delayMs, () => {
          this.note('timer', `timer at ${node}`, { node })
          callback()
        }),
    }
    // The driver watches for stalls only on a clock with wall time: keep exactly what the node would see.
    if (clock.wallMs !== undefined) observed.wallMs = () => clock.wallMs!()
    return observed
  }

  /** Something happened in the current step; `about` names the operation or node it concerns. */
  note(kind: ReplayEventKind, text: string, about: Pick<ReplayEvent, 'op' | 'node'> = {}): void {
    if (this.full()) return
    this.events.push({ kind, text, ...about })
  }

  invoked(invocation: Invocation): void {
    const { id, client, token, node } = invocation
    const label = operationLabel(invocation.op)
    this.note('invoke', `${client} invokes #${id} ${label} on ${token} at ${node}`, { op: id })
    if (!this.full()) this.operationSteps.set(invocation.id, { invoke: this.steps.length })
  }

  completed(operation: SimOperation): void {
    const result = completionLabel(operation.completion)
    this.note('complete', `#${operation.id} ${operationLabel(operation.op)} returns ${result}`, { op: operation.id })
    const steps = this.operationSteps.get(operation.id)
    if (steps !== undefined && !this.full()) steps.complete = this.steps.length
  }

  sent(envelope: Envelope, delayMs: number): number {
    if (this.full() || this.messages.length >= this.limits.maxMessages) return -1
    const nowMs = this.cluster!.time.nowMs()
    this.sentInStep++
    const message: ReplayMessage = {
      id: this.messages.length,
      from: envelope.from,
      to: envelope.to,
      label: messageLabel(envelope),
      sentStep: this.steps.length,
      sentMs: roundMs(nowMs),
      dueMs: roundMs(nowMs + delayMs),
    }
    this.messages.push(message)
    return message.id
  }

  dropped(envelope: Envelope): void {
    this.note('drop', `${messageLabel(envelope)} ${envelope.from} → ${envelope.to} dropped (link cut)`)
  }

  arrived(copy: number, attached: boolean): void {
    const message = this.messages[copy]
    if (message === undefined || this.full()) return
    this.messages[copy] = { ...message, endStep: this.steps.length }
    const where = `${message.label} ${message.from} → ${message.to}`
    this.note(attached ? 'deliver' : 'lost', attached ? where : `${where} lost (no process listening)`)
  }

  /** Closes the current step, when anything happened in it; a timer that changed nothing is left out. */
  commit(): void {
    if (this.events.length === 0) return
    const cells = this.changedCells()
    const idle = this.sentInStep === 0 && Object.keys(cells).length === 0
    if (!(idle && this.events.every((e) => e.kind === 'timer'))) {
      this.steps.push({ atMs: roundMs(this.cluster!.time.nowMs()), events: this.events, cells })
    }
    this.events = []
    this.sentInStep = 0
  }

  private full(): boolean {
    if (this.steps.length < this.limits.maxSteps) return false
    this.truncated = true
    return true
  }

  private changedCells(): Record<string, ReplayCell> {
    const changed: Record<string, ReplayCell> = {}
    for (const [node, driver] of this.cluster!.drivers) {
      for (const status of driver.node.status()) {
        const key = `${node}|${status.token}`
        const cell = cellOf(status)
        const json = JSON.stringify(cell)
        if (this.lastCells.get(key) === json) continue
        this.lastCells.set(key, json)
        changed[key] = cell
      }
    }
    return changed
  }
}

/** Microsecond precision is plenty for the page, and keeps its data small. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1_000) / 1_000
}
