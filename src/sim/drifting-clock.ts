import type { Clock, Timer } from '../core/ports/clock.js'
import type { FailureInjector } from '../core/ports/failure-injector.js'
import type { NodeId } from '../core/protocol/messages.js'
import type { SimulatedTime } from '../plugins/in-process/simulated-time.js'

/**
 * A node clock that runs `rate` times as fast as the simulation's virtual (real) time, from 0 at time 0: what
 * read leases must survive, as long as |rate - 1| stays within the nodes' clockDriftRate.
 */
export class DriftingClock implements Clock {
  constructor(
    private readonly time: SimulatedTime,
    readonly rate: number,
  ) {}

  nowMs(): number {
    return this.time.nowMs() * this.rate
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    // Rounding must not fire a timer before its time on this clock: the driver would re-arm it forever.
    const targetMs = this.nowMs() + delayMs
    let realDelayMs = delayMs / this.rate
    while ((this.time.nowMs() + realDelayMs) * this.rate < targetMs) realDelayMs += 1e-9 + realDelayMs * 1e-12
    return this.time.setTimer(realDelayMs, callback)
  }
}

/**
 * The shared failure schedule (in real time) seen through one node's drifting clock. The node asks about its
 * present, so the present is read in real time; converting its clock back would round across a silence's time.
 */
export class DriftingFailures implements FailureInjector {
  constructor(
    private readonly inner: FailureInjector,
    private readonly clock: DriftingClock,
    private readonly time: SimulatedTime,
  ) {}

  silence(node: NodeId, token: string, atMs: number): void {
    this.inner.silence(node, token, this.time.nowMs() + (atMs - this.clock.nowMs()) / this.clock.rate)
  }

  isSilent(node: NodeId, token: string): boolean {
    return this.inner.isSilent(node, token, this.time.nowMs())
  }

  silentTokens(node: NodeId): string[] {
    return this.inner.silentTokens(node, this.time.nowMs())
  }

  /** Rounded up on the node's clock, so that its timer for the silence fires at or after it in real time. */
  nextSilenceMs(node: NodeId): number | undefined {
    const atMs = this.inner.nextSilenceMs(node, this.time.nowMs())
    if (atMs === undefined) return undefined
    const localMs = this.clock.nowMs() + (atMs - this.time.nowMs()) * this.clock.rate
    return localMs + 1e-9 + Math.abs(localMs) * 1e-12
  }
}
