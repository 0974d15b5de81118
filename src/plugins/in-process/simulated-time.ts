import assert from 'node:assert'
import type { Clock, Timer } from '../../core/ports/clock.js'

interface Event {
  readonly atMs: number
  readonly seq: number
  readonly run: () => void
  cancelled: boolean
}

/**
 * Virtual time for simulations: timers are events in one queue, run in (time, insertion) order, so a run depends
 * only on its inputs. Time jumps from event to event; nothing waits for real time.
 */
export class SimulatedTime implements Clock {
  private readonly queue: Event[] = []
  private now = 0
  private seq = 0
  eventsRun = 0
  /** Called after each event ran (a replay recorder closes its step there); it must not set or run timers. */
  afterEvent: (() => void) | undefined

  nowMs(): number {
    return this.now
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    assert(delayMs >= 0 && Number.isFinite(delayMs), `bad delay ${delayMs}`)
    const event: Event = { atMs: this.now + delayMs, seq: this.seq++, run: callback, cancelled: false }
    this.push(event)
    return {
      cancel: () => {
        event.cancelled = true
      },
    }
  }

  /** Runs events until the queue is empty, time passes `untilMs`, or `maxEvents` ran. Returns events run. */
  run(untilMs = Infinity, maxEvents = Infinity): number {
    let ran = 0
    while (this.queue.length > 0 && ran < maxEvents) {
      const top = this.queue[0]!
      if (top.atMs > untilMs) break
      this.pop()
      if (top.cancelled) continue
      this.now = top.atMs
      ran++
      top.run()
      this.afterEvent?.()
    }
    if (untilMs !== Infinity && untilMs > this.now && (this.queue.length === 0 || this.queue[0]!.atMs > untilMs)) {
      this.now = untilMs
    }
    this.eventsRun += ran
    return ran
  }

  get pendingEvents(): number {
    return this.queue.length
  }

  private less(a: Event, b: Event): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq)
  }

  private push(event: Event): void {
    const q = this.queue
    let i = q.length
    q.push(event)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(q[i]!, q[parent]!)) break
      ;[q[i], q[parent]] = [q[parent]!, q[i]!]
      i = parent
    }
  }

  private pop(): void {
    const q = this.queue
    const last = q.pop()!
    if (q.length === 0) return
    q[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < q.length && this.less(q[l]!, q[m]!)) m = l
      if (r < q.length && this.less(q[r]!, q[m]!)) m = r
      if (m === i) return
      ;[q[i], q[m]] = [q[m]!, q[i]!]
      i = m
    }
  }
}
