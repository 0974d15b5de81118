/**
 * A recorded history of operations on token registers, the input of the linearizability checker.
 * Semantic outcomes (`not-found`, `already-exists`) are ordinary results the model checks; a `failed` completion
 * means the operation certainly had no effect (it is dropped); `unknown` means it may have taken effect at any
 * point after its invocation (its return is treated as +infinity and any result is accepted).
 */
export type RegisterOp =
  | { readonly kind: 'write'; readonly value: string }
  | { readonly kind: 'create' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'read' }

export type RegisterResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'already-exists' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'value'; readonly value: string }

export type Completion =
  /** The operation returned `result` (which may be a semantic refusal such as `not-found`). */
  | { readonly kind: 'ok'; readonly result: RegisterResult; readonly returnMs: number }
  /** It certainly had no effect (e.g. a read that timed out); a write whose effect is uncertain is `unknown`. */
  | { readonly kind: 'failed'; readonly error: string; readonly returnMs: number }
  /** Outcome unknown: it may or may not take effect, at any time after `invokeMs`. */
  | { readonly kind: 'unknown' }

export interface HistoryOperation {
  readonly id: number
  readonly client: string
  readonly token: string
  readonly op: RegisterOp
  readonly invokeMs: number
  readonly completion: Completion
}

/** A malformed history: the checker cannot give a verdict on it. */
export class HistoryError extends Error {
  override readonly name = 'HistoryError'
}

const RESULTS_BY_OP: Record<RegisterOp['kind'], readonly RegisterResult['kind'][]> = {
  write: ['ok', 'not-found'],
  create: ['ok', 'already-exists'],
  drop: ['ok', 'not-found'],
  read: ['not-found', 'empty', 'value'],
}

/** The end of an operation's effect window: +infinity when its outcome is unknown. */
export function returnMsOf(operation: HistoryOperation): number {
  return operation.completion.kind === 'unknown' ? Number.POSITIVE_INFINITY : operation.completion.returnMs
}

/**
 * Checks that `operations` is well-formed and returns it. Throws `HistoryError` on duplicate ids, bad times,
 * results an operation cannot return, or a client with two operations in flight at once. A client may invoke
 * again after an `unknown` completion (it stopped waiting; the effect may still land later, as modelled).
 */
export function validateHistory(operations: readonly HistoryOperation[]): readonly HistoryOperation[] {
  const ids = new Set<number>()
  for (const operation of operations) {
    if (ids.has(operation.id)) throw new HistoryError(`duplicate operation id ${operation.id}`)
    ids.add(operation.id)
    validateOperation(operation)
  }
  validateClients(operations)
  return operations
}

function validateOperation(operation: HistoryOperation): void {
  const { id, op, completion } = operation
  const where = `operation ${id}`
  if (!Number.isFinite(id)) throw new HistoryError(`operation id must be a finite number, got ${id}`)
  if (typeof operation.client !== 'string' || operation.client === '')
    throw new HistoryError(`${where}: client must be a non-empty string`)
  if (typeof operation.token !== 'string') throw new HistoryError(`${where}: token must be a string`)
  if (!Object.hasOwn(RESULTS_BY_OP, op?.kind)) throw new HistoryError(`${where}: unknown op kind "${op?.kind}"`)
  if (op.kind === 'write' && typeof op.value !== 'string')
    throw new HistoryError(`${where}: write needs a string value`)
  if (!Number.isFinite(operation.invokeMs)) throw new HistoryError(`${where}: invokeMs must be finite`)
  if (completion?.kind === 'unknown') return
  if (completion?.kind !== 'ok' && completion?.kind !== 'failed') {
    throw new HistoryError(`${where}: completion must be ok, failed or unknown`)
  }
  if (!Number.isFinite(completion.returnMs) || completion.returnMs < operation.invokeMs) {
    throw new HistoryError(
      `${where}: returnMs ${completion.returnMs} must be finite and >= invokeMs ${operation.invokeMs}`,
    )
  }
  if (completion.kind === 'ok') validateResult(where, op, completion.result)
}

function validateResult(where: string, op: RegisterOp, result: RegisterResult): void {
  if (!RESULTS_BY_OP[op.kind].includes(result?.kind)) {
    throw new HistoryError(`${where}: ${op.kind} cannot return "${result?.kind}"`)
  }
  if (result.kind === 'value' && typeof result.value !== 'string')
    throw new HistoryError(`${where}: value result needs a string`)
}

function validateClients(operations: readonly HistoryOperation[]): void {
  const byClient = new Map<string, HistoryOperation[]>()
  for (const operation of operations) {
    const list = byClient.get(operation.client)
    if (list === undefined) byClient.set(operation.client, [operation])
    else list.push(operation)
  }
  for (const [client, list] of byClient) {
    list.sort((a, b) => a.invokeMs - b.invokeMs || clientEndMs(a) - clientEndMs(b))
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1]!
      const current = list[i]!
      if (clientEndMs(previous) > current.invokeMs) {
        throw new HistoryError(
          `client "${client}" has overlapping operations ${previous.id} [${previous.invokeMs}, ${clientEndMs(previous)}] ` +
            `and ${current.id} invoked at ${current.invokeMs}`,
        )
      }
    }
  }
}

/** When the client stopped waiting: an unknown op ends, for its client, as early as its invocation. */
function clientEndMs(operation: HistoryOperation): number {
  return operation.completion.kind === 'unknown' ? operation.invokeMs : operation.completion.returnMs
}
