/**
 * The label value that stands for every value outside a LabelSet. A token id starts with a letter or a digit
 * (see ReplicationScheme), so no token of a scheme can be named this.
 */
export const OTHER_LABEL = '_other'

/**
 * A closed set of values one metric label may take. A label value becomes a series of its own for as long as the
 * process lives, so a value taken from a request (an unknown token id, say) would let any client add series
 * without end. Values outside the set are all counted under OTHER_LABEL instead.
 */
export class LabelSet {
  private readonly values: ReadonlySet<string>

  constructor(values: Iterable<string>) {
    this.values = new Set(values)
  }

  /** `value` itself when the set holds it, OTHER_LABEL otherwise. */
  of(value: string): string {
    return this.values.has(value) ? value : OTHER_LABEL
  }

  get size(): number {
    return this.values.size
  }
}
