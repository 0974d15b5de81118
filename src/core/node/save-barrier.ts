/** The outcome of a save that succeeded (a failed one carries its error). */
const SAVED: unique symbol = Symbol('saved')
type SaveOutcome = typeof SAVED | { readonly error: unknown }

/** One protocol step's effects, as the barrier sees them. */
export interface StepEffects {
  /** The tokens the step persists, sends about, completes operations of or hashes for. */
  readonly tokens: ReadonlySet<string>
  /** True when the step must follow every earlier step (it cancels hash jobs, which name no token). */
  readonly global: boolean
  /** The step's own save, or undefined when it persists nothing (or its store saved in place). */
  readonly saved: Promise<void> | undefined
  readonly run: () => void
  readonly failed: (error: unknown) => void
}

/**
 * Holds each step's effects until the state they reveal is durable. A step's effects wait for its own save and
 * for the effects of every earlier step about the same tokens; steps about other tokens are not held (tokens are
 * independent registers, so nothing one sends can reveal another's unsaved state). Effects about one token
 * therefore leave in step order, and a step that touches no token with a pending save runs at once, as it does
 * when the store saves in place. A failed save is acted on in turn, after the earlier steps about its tokens.
 */
export class SaveBarrier {
  private readonly chains = new Map<string, Promise<void>>()
  private readonly pending = new Set<Promise<void>>()

  /** Steps whose effects are still held. */
  get heldSteps(): number {
    return this.pending.size
  }

  apply(step: StepEffects): void {
    const earlier = this.earlierOf(step)
    if (step.saved === undefined && earlier.length === 0) return step.run()
    // Caught at once: a rejection nobody handles would stop the process.
    const outcome = step.saved?.then(
      (): SaveOutcome => SAVED,
      (error: unknown): SaveOutcome => ({ error }),
    )
    const ready = earlier.length === 0 ? outcome! : Promise.all(earlier).then(() => outcome ?? SAVED)
    const done = ready.then((result) => (result === SAVED ? step.run() : step.failed(result.error)))
    this.track(done, step.tokens)
  }

  /** Resolves once every step held so far has run. */
  async drained(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending)
  }

  private earlierOf(step: StepEffects): Promise<void>[] {
    if (step.global) return [...this.pending]
    const earlier: Promise<void>[] = []
    for (const token of step.tokens) {
      const chain = this.chains.get(token)
      if (chain !== undefined) earlier.push(chain)
    }
    return earlier
  }

  private track(done: Promise<void>, tokens: ReadonlySet<string>): void {
    this.pending.add(done)
    for (const token of tokens) this.chains.set(token, done)
    // `finally` passes a failure of the effects themselves (a bug) on, unhandled: the process stops loudly.
    void done.finally(() => {
      this.pending.delete(done)
      for (const token of tokens) if (this.chains.get(token) === done) this.chains.delete(token)
    })
  }
}
