import type { Argmin } from '../token/argmin.js'

export interface ArgminRequest {
  readonly name: string
  readonly low: bigint
  readonly high: bigint
}

/**
 * Computes argmin of H(name, x) over [low, high) (smaller hash wins, ties to the smaller x; undefined when
 * empty). May answer in place (a value) or later (a promise), e.g. from a worker pool. When `signal` aborts,
 * the promise rejects soon after and the work stops. An answer in place leaves nothing attached to `signal`: the
 * caller may hand the same, never-aborted signal to the next request.
 */
export interface Hasher {
  argmin(request: ArgminRequest, signal: AbortSignal): Argmin | undefined | Promise<Argmin | undefined>
  close(): Promise<void>
}

export const Hasher = Symbol('Hasher')
