import { EMPTY, type RegisterValue } from '../token/token-value.js'
import { compareTimestamps, type Timestamp, ZERO_TIMESTAMP } from './timestamp.js'

export interface Versioned {
  readonly ts: Timestamp
  readonly value: RegisterValue
}

export const INITIAL: Versioned = Object.freeze({ ts: ZERO_TIMESTAMP, value: EMPTY })

/**
 * The replica's store rule: a replica only moves forward. A higher timestamp replaces; an equal one can only add
 * a final computed by a reader (the value itself is the writer's and identical); a lower one changes nothing.
 * Returns the new state, or undefined when nothing changed.
 */
export function applyStore(current: Versioned, incoming: Versioned): Versioned | undefined {
  const order = compareTimestamps(incoming.ts, current.ts)
  if (order > 0) return { ts: incoming.ts, value: incoming.value }
  if (order < 0) return undefined
  if (
    current.value.kind === 'token' &&
    current.value.token.final === undefined &&
    incoming.value.kind === 'token' &&
    incoming.value.token.final !== undefined
  ) {
    return {
      ts: current.ts,
      value: { kind: 'token', token: { ...current.value.token, final: incoming.value.token.final } },
    }
  }
  return undefined
}

/** Highest timestamp wins; among equal timestamps the one that already carries its final. */
export function newest(a: Versioned, b: Versioned): Versioned {
  const order = compareTimestamps(a.ts, b.ts)
  if (order !== 0) return order > 0 ? a : b
  if (
    b.value.kind === 'token' &&
    b.value.token.final !== undefined &&
    !(a.value.kind === 'token' && a.value.token.final !== undefined)
  )
    return b
  return a
}
