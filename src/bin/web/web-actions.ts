import type { TokenManagerClient } from '../../client/token-manager-client.js'
import type { Argmin, Version } from '../../client/wire-results.js'
import { TokenManagerError } from '../../core/errors.js'
import type { Action } from './action-input.js'

/** Longest error message sent back to the page. */
const MAX_MESSAGE_CHARS = 500

/** What an action did, as JSON for the page (uint64 as decimal strings). */
export type ActionOutcome =
  | { readonly ok: true; readonly action: Action['kind']; readonly token: string; readonly result: JsonFields }
  | { readonly ok: false; readonly action: Action['kind']; readonly token: string; readonly error: ActionError }

type JsonFields = { readonly [key: string]: string | boolean | null | readonly string[] }

export interface ActionError {
  /** The library's error code (`deadline-exceeded`, `unavailable`, ...), or `internal`. */
  readonly code: string
  readonly message: string
}

/** Runs a checked action through the library client with a deadline; the cluster's refusals are outcomes, not throws. */
export async function performAction(
  client: TokenManagerClient,
  action: Action,
  timeoutMs: number,
): Promise<ActionOutcome> {
  try {
    return { ok: true, action: action.kind, token: action.token, result: await run(client, action, timeoutMs) }
  } catch (error) {
    if (!(error instanceof TokenManagerError)) throw error
    const message = error.message.split('\n')[0]!.slice(0, MAX_MESSAGE_CHARS)
    return { ok: false, action: action.kind, token: action.token, error: { code: error.code, message } }
  }
}

async function run(client: TokenManagerClient, action: Action, timeoutMs: number): Promise<JsonFields> {
  switch (action.kind) {
    case 'fail-silent': {
      const silenced = await client.failSilent(action.node, action.token, { timeoutMs })
      return { node: silenced.node, atMs: String(silenced.atMs) }
    }
    case 'write': {
      const { name, low, mid, high } = action
      // Traced, so that the page's operations panel shows where the action's time went.
      const written = await client.write(action.token, { name, low, mid, high }, { timeoutMs, trace: true })
      return { ...versionOf(written.version), partial: argminOf(written.partial), servedBy: written.servedBy }
    }
    case 'read': {
      const read = await client.read(action.token, {
        timeoutMs,
        trace: true,
        ...(action.node !== undefined && { node: action.node }),
      })
      return {
        written: read.written,
        name: read.name ?? null,
        low: optional(read.low),
        mid: optional(read.mid),
        high: optional(read.high),
        partial: argminOf(read.partial),
        final: argminOf(read.final),
        ...versionOf(read.version),
        servedBy: read.servedBy,
      }
    }
  }
}

function versionOf(version: Version): { version: string; epoch: string } {
  return { version: String(version.seq), epoch: String(version.epoch) }
}

function argminOf(argmin: Argmin | undefined): string | null {
  return argmin === undefined ? null : `${argmin.nonce} (hash ${argmin.hash})`
}

function optional(value: bigint | undefined): string | null {
  return value === undefined ? null : String(value)
}
