/**
 * Time for the driver: the protocol itself never reads a clock, it is handed `nowMs` with each input.
 * Postconditions: `nowMs()` never decreases; a timer set with `setTimer` fires once, at or after its time,
 * unless cancelled first.
 */
export interface Clock {
  nowMs(): number
  /**
   * Wall-clock time (may step either way), when the clock has one. The driver compares it with `nowMs` to notice
   * that monotonic time stood still while the machine was suspended (see RegisterNode's 'clock-stalled').
   */
  wallMs?(): number
  setTimer(delayMs: number, callback: () => void): Timer
}

export interface Timer {
  cancel(): void
}

export const Clock = Symbol('Clock')
