import type { Completion, HistoryOperation, RegisterOp, RegisterResult } from '../../core/checker/history.js'

/** A history file the checker cannot read: names the file and line. */
export class HistoryFileError extends Error {
  override readonly name = 'HistoryFileError'
}

/** The parsed history, and each operation's record id (the checker numbers operations by invoke line instead). */
export interface ParsedHistory {
  readonly operations: readonly HistoryOperation[]
  /** Record id (`id` in the file) by operation id (the line number of its invoke record). */
  readonly recordIds: ReadonlyMap<number, string>
}

interface Pending {
  readonly invoke: Omit<HistoryOperation, 'completion'>
  completion: Completion | undefined
}

type Json = Record<string, unknown>

/**
 * Parses tm-client's --history JSON lines (see history-recorder.ts). Blank lines are skipped; an invoke with no
 * completion is `unknown` (the client died or is still waiting). Operation ids are invoke line numbers, so a
 * counterexample's `#12` is line 12 of the file.
 */
export function parseHistoryFile(text: string, file: string): ParsedHistory {
  const pending = new Map<string, Pending>()
  const recordIds = new Map<number, string>()
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return
    const at = `${file}:${index + 1}`
    const record = parseLine(line, at)
    if (record.type === 'invoke') {
      if (pending.has(record.id as string))
        throw new HistoryFileError(`${at}: duplicate invoke of operation ${record.id}`)
      pending.set(record.id as string, { invoke: invokeOf(record, index + 1, at), completion: undefined })
      recordIds.set(index + 1, record.id as string)
      return
    }
    const operation = pending.get(record.id as string)
    if (operation === undefined)
      throw new HistoryFileError(`${at}: completion of operation ${record.id} before its invoke`)
    if (operation.completion !== undefined) throw new HistoryFileError(`${at}: operation ${record.id} completed twice`)
    operation.completion = completionOf(record, at)
  })
  const operations = [...pending.values()].map(({ invoke, completion }) => ({
    ...invoke,
    completion: completion ?? { kind: 'unknown' as const },
  }))
  return { operations, recordIds }
}

const TYPES = new Set(['invoke', 'ok', 'failed', 'unknown'])

function parseLine(line: string, at: string): Json {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    throw new HistoryFileError(`${at}: malformed line, not JSON (${(error as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HistoryFileError(`${at}: malformed line, not a JSON object`)
  const record = value as Json
  if (!TYPES.has(record.type as string))
    throw new HistoryFileError(`${at}: malformed record, "type" must be invoke, ok, failed or unknown`)
  if (typeof record.id !== 'string' || record.id === '')
    throw new HistoryFileError(`${at}: malformed record, "id" must be a non-empty string`)
  if (typeof record.timeMs !== 'number' || !Number.isFinite(record.timeMs)) {
    throw new HistoryFileError(`${at}: malformed record, "timeMs" must be a number`)
  }
  return record
}

function invokeOf(record: Json, line: number, at: string): Omit<HistoryOperation, 'completion'> {
  const { client, token, op } = record
  if (typeof client !== 'string' || client === '')
    throw new HistoryFileError(`${at}: malformed invoke, "client" must be a non-empty string`)
  if (typeof token !== 'string') throw new HistoryFileError(`${at}: malformed invoke, "token" must be a string`)
  return { id: line, client, token, op: opOf(op, at), invokeMs: record.timeMs as number }
}

function opOf(op: unknown, at: string): RegisterOp {
  const kind = (op as Json | null)?.kind
  if (kind === 'read' || kind === 'create' || kind === 'drop') return { kind }
  const value = (op as Json | null)?.value
  if (kind === 'write' && typeof value === 'string') return { kind, value }
  throw new HistoryFileError(
    `${at}: malformed invoke, "op" must be {kind: read|create|drop} or {kind: write, value: string}`,
  )
}

function completionOf(record: Json, at: string): Completion {
  const returnMs = record.timeMs as number
  if (record.type === 'unknown') return { kind: 'unknown' }
  if (record.type === 'failed') return { kind: 'failed', error: String(record.error ?? ''), returnMs }
  return { kind: 'ok', result: resultOf(record.result, at), returnMs }
}

const RESULT_KINDS = new Set(['ok', 'not-found', 'already-exists', 'empty'])

function resultOf(result: unknown, at: string): RegisterResult {
  const kind = (result as Json | null)?.kind
  if (typeof kind === 'string' && RESULT_KINDS.has(kind)) return { kind } as RegisterResult
  const value = (result as Json | null)?.value
  if (kind === 'value' && typeof value === 'string') return { kind, value }
  throw new HistoryFileError(
    `${at}: malformed completion, "result" must be {kind: ok|not-found|already-exists|empty} or {kind: value, value: string}`,
  )
}
