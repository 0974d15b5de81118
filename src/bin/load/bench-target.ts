/** The two kinds of operation a benchmark issues: a register read (etcd Range) and a write (etcd Put). */
export type OpKind = 'read' | 'write'

/**
 * Something the load generator drives: our token cluster, etcd, or the echo ceiling. `run` issues one operation
 * on key `key` (an index into the target's keys) and settles when it is answered; a rejection counts as an error.
 */
export interface BenchTarget {
  readonly name: string
  /** How many distinct keys (tokens) there are: `run` gets indices 0..keyCount-1. */
  readonly keyCount: number
  /** Puts a value under every key before measuring, so reads find data (and our finals are computed). */
  prepare(timeoutMs: number): Promise<void>
  run(kind: OpKind, key: number): Promise<void>
  close(): void
}
