import type { NodeId } from '../protocol/messages.js'

/**
 * Emulates crash-stop failures per token: from time `atMs` on, `node` never answers anything about `token`
 * that it receives (client or replica requests) and drops its in-flight work for it, while serving its other
 * tokens. Postcondition: once `isSilent(n, t, now)` is true it stays true for every later `now`.
 */
export interface FailureInjector {
  /** Schedules (or, with `atMs` <= now, triggers) the silence; an earlier schedule for the same pair wins. */
  silence(node: NodeId, token: string, atMs: number): void
  isSilent(node: NodeId, token: string, nowMs: number): boolean
  /** Tokens `node` is silent for at `nowMs`. */
  silentTokens(node: NodeId, nowMs: number): string[]
  /** The earliest scheduled silence for `node` still in the future, to wake the driver then. */
  nextSilenceMs(node: NodeId, nowMs: number): number | undefined
}

export const FailureInjector = Symbol('FailureInjector')
