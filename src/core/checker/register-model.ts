import type { RegisterOp, RegisterResult } from './history.js'

/** The state of one token register in the sequential specification. */
export type RegisterState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'value'; readonly value: string }

const ABSENT: RegisterState = { kind: 'absent' }
const EMPTY: RegisterState = { kind: 'empty' }
const OK: RegisterResult = { kind: 'ok' }
const NOT_FOUND: RegisterResult = { kind: 'not-found' }

/** Every token starts created and never written. */
export const INITIAL_REGISTER_STATE: RegisterState = EMPTY

/** The specification: what `op` returns when applied to `state`, and the state it leaves. */
export function applyRegisterOp(state: RegisterState, op: RegisterOp): { result: RegisterResult; next: RegisterState } {
  const absent = state.kind === 'absent'
  switch (op.kind) {
    case 'write':
      return absent ? { result: NOT_FOUND, next: state } : { result: OK, next: { kind: 'value', value: op.value } }
    case 'create':
      return absent ? { result: OK, next: EMPTY } : { result: { kind: 'already-exists' }, next: state }
    case 'drop':
      return absent ? { result: NOT_FOUND, next: state } : { result: OK, next: ABSENT }
    case 'read':
      return { result: readResult(state), next: state }
  }
}

/**
 * The model as a checker step: the state after `op` returned `result` from `state`, or undefined when that result
 * is impossible. `result` undefined stands for an unknown outcome: any result is accepted.
 */
export function stepRegister(
  state: RegisterState,
  op: RegisterOp,
  result: RegisterResult | undefined,
): RegisterState | undefined {
  if (result === undefined) return stepRegisterUnknown(state, op)
  const applied = applyRegisterOp(state, op)
  return sameResult(applied.result, result) ? applied.next : undefined
}

/** The step of an operation with an unknown outcome, supposing it took effect (its result is not checked). */
export function stepRegisterUnknown(state: RegisterState, op: RegisterOp): RegisterState {
  return applyRegisterOp(state, op).next
}

export function sameResult(a: RegisterResult, b: RegisterResult): boolean {
  if (a.kind === 'value' && b.kind === 'value') return a.value === b.value
  return a.kind === b.kind
}

export function describeRegisterState(state: RegisterState): string {
  return state.kind === 'value' ? `value ${JSON.stringify(state.value)}` : state.kind
}

function readResult(state: RegisterState): RegisterResult {
  switch (state.kind) {
    case 'absent':
      return NOT_FOUND
    case 'empty':
      return { kind: 'empty' }
    case 'value':
      return { kind: 'value', value: state.value }
  }
}
