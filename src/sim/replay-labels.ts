import type { Completion, RegisterOp, RegisterResult } from '../core/checker/history.js'
import type { TokenStatus } from '../core/protocol/register-node.js'
import type { Envelope } from '../core/protocol/messages.js'
import { EPOCH_NONCE_BITS, type Timestamp } from '../core/protocol/timestamp.js'
import type { RegisterValue } from '../core/token/token-value.js'
import type { ReplayCell, ReplayOutcome } from './replay-data.js'
import type { SimOperation } from './simulation.js'

/** `seq.generation`: the epoch's nonce tells incarnations apart, which the page need not show. */
export function timestampLabel(ts: Timestamp): string {
  return `${ts.seq}.${ts.epoch >> EPOCH_NONCE_BITS}`
}

function valueLabel(value: RegisterValue): string {
  return value.kind === 'token' ? value.token.name : value.kind
}

/** One node's copy of a token, from the node's own status (read without touching the node). */
export function cellOf(status: TokenStatus): ReplayCell {
  const state = status.state
  const value = state?.value
  const recovering = status.recovering
  return {
    ts: state === undefined ? '0.0' : timestampLabel(state.ts),
    value: value === undefined ? 'empty' : valueLabel(value),
    ...(value?.kind === 'token' && value.token.final !== undefined && { final: true as const }),
    ...(recovering !== undefined && { recovering: `${recovering.answered}/${recovering.ready}` }),
    ...(status.silent && { silent: true as const }),
    ...(status.pending > 0 && { pending: status.pending }),
  }
}

/** E.g. `store t0 v3.1000 "c1-w4-a"`, `query-reply t1 v2.1000`, `commit t0 v3.1000`. */
export function messageLabel(envelope: Envelope): string {
  const message = envelope.message
  const parts: string[] = [message.type, message.token]
  if ('ts' in message) parts.push(`v${timestampLabel(message.ts)}`)
  if ('value' in message && message.value.kind === 'token') parts.push(JSON.stringify(message.value.token.name))
  if (message.type === 'lease-grant') parts.push(`${message.leaseMs} ms`)
  return parts.join(' ')
}

/** E.g. `write "c0-w3-a"`, `read`. */
export function operationLabel(op: RegisterOp): string {
  return op.kind === 'write' ? `write ${JSON.stringify(op.value)}` : op.kind
}

function resultLabel(result: RegisterResult): string {
  return result.kind === 'value' ? `value ${JSON.stringify(result.value)}` : result.kind
}

/** What the client got back, e.g. `value "c0-w3-a"`, `not-found`, `failed (deadline-exceeded)`, `unknown`. */
export function completionLabel(completion: Completion): string {
  if (completion.kind === 'ok') return resultLabel(completion.result)
  return completion.kind === 'failed' ? `failed (${completion.error})` : 'unknown outcome'
}

/** How the page colors an operation: refusals (not-found, already-exists) apart from plain successes. */
export function outcomeOf(op: SimOperation): ReplayOutcome {
  if (op.cancelled === true) return 'cancelled'
  const completion = op.completion
  if (completion.kind !== 'ok') return completion.kind
  const refused = completion.result.kind === 'not-found' || completion.result.kind === 'already-exists'
  return refused ? 'refused' : 'ok'
}
