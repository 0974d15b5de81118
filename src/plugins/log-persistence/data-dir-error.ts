import { UnavailableError } from '../../core/errors.js'

/** A data dir the node cannot use (locked, damaged, of another node, not a directory): the node does not start. */
export class DataDirError extends UnavailableError {
  constructor(
    readonly dataDir: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`data dir ${dataDir}: ${problem}`, options)
    // The base class types `name` as its own literal, so it is set here rather than overridden.
    Object.defineProperty(this, 'name', { value: 'DataDirError' })
  }
}
