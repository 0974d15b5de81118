/**
 * How a step ended: its effects ran (SAVED), or they did not because state it depends on is not durable: its own
 * save failed, or an earlier step's about one of `tokens` did.
 */
const SAVED: unique symbol = Symbol('saved')
type SaveOutcome = typeof SAVED | { readonly error: unknown; readonly tokens: ReadonlySet<string> }

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
 * when the store saves in place. A failed save is acted on in turn, after the earlier steps about its tokens, and
 * every later held step about one of those tokens fails with it: it may reveal the state that never reached the
 * disk (a writer's quorum counts its own copy as soon as it is saving it, and an acknowledgement that completes the
 * write can arrive before that save fails).
 */
export class SaveBarrier {
  private readonly chains = new Map<string, Promise<SaveOutcome>>()
  private readonly pending = new Set<Promise<SaveOutcome>>()

  /** Steps whose effects are still held. */
  get heldSteps(): number {
    return this.pending.size
  }

  apply(step: StepEffects): void {
    const earlier = this.earlierOf(step)
    if (step.saved === undefined && earlier.length === 0) return step.run()
    // Caught at once: a rejection nobody handles would stop the process.
    const own = step.saved?.then(
      (): SaveOutcome => SAVED,
      (error: unknown): SaveOutcome => ({ error, tokens: step.tokens }),
    )
    const ready =
      earlier.length === 0
        ? own!
        : Promise.all(earlier).then((outcomes) => failureAbout(outcomes, step.tokens) ?? own ?? SAVED)
    const done = ready.then((result) => {
      if (result === SAVED) step.run()
      else step.failed(result.error)
      return result
    })
    this.track(done, step.tokens)
  }

  /** Resolves once every step held so far has run. */
  async drained(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending)
  }

  private earlierOf(step: StepEffects): Promise<SaveOutcome>[] {
    if (step.global) return [...this.pending]
    const earlier: Promise<SaveOutcome>[] = []
    for (const token of step.tokens) {
      const chain = this.chains.get(token)
      if (chain !== undefined) earlier.push(chain)
    }
    return earlier
  }

  private track(done: Promise<SaveOutcome>, tokens: ReadonlySet<string>): void {
    this.pending.add(done)
    for (const token of tokens) this.chains.set(token, done)
    // `finally` passes a failure of the effects themselves (a bug) on, unhandled: the process stops loudly.
    void done.finally(() => {
      this.pending.delete(done)
      for (const token of tokens) if (this.chains.get(token) === done) this.chains.delete(token)
    })
  }
}

/** The first failure among earlier steps' outcomes that is about one of `tokens`, if any. */
function failureAbout(outcomes: readonly SaveOutcome[], tokens: ReadonlySet<string>): SaveOutcome | undefined {
  for (const outcome of outcomes) {
    if (outcome === SAVED) continue
    for (const token of outcome.tokens) if (tokens.has(token)) return outcome
  }
  return undefined
}
