import { AlreadyExistsError, NotFoundError } from '../../client/client-errors.js'
import type { FinalRead } from './lost-writes.js'
import { readRegisterResult, type Recorded, type TokenOps } from './token-ops.js'
import { sleep, writeFields } from './workload.js'

export interface TokenLiveness {
  readonly token: string
  /** Served a read and then a write (an answer, `not-found` included) within the bound. */
  readonly ok: boolean
  readonly elapsedMs: number
  readonly error?: string
}

const RETRY_PAUSE_MS = 200

/**
 * After the heal every token has all its replicas up and none silent: each must serve a read, then a write,
 * within `boundMs` from the start of the probe. Each attempt is a recorded operation; a refusal that is the
 * register's answer (`not-found` on a dropped token) counts as served.
 */
export async function probeLiveness(
  ops: TokenOps,
  tokens: readonly string[],
  boundMs: number,
): Promise<TokenLiveness[]> {
  return Promise.all(
    tokens.map(async (token) => {
      const startMs = Date.now()
      const deadlineMs = startMs + boundMs
      const client = `probe-${token}`
      const read = await untilServed(() => ops.read(client, token), deadlineMs)
      let attempt = 0
      const write =
        read === undefined
          ? await untilServed(() => ops.write(client, token, writeFields(`${client}-w${attempt++}`)), deadlineMs)
          : read
      const elapsedMs = Date.now() - startMs
      if (write !== undefined) return { token, ok: false, elapsedMs, error: write }
      // An attempt started before the deadline may end after it: served, but not within the bound.
      return elapsedMs <= boundMs
        ? { token, ok: true, elapsedMs }
        : { token, ok: false, elapsedMs, error: `served after ${elapsedMs} ms` }
    }),
  )
}

/**
 * The final read of each token, recorded, within `boundMs`. A dropped token's read carries no version, so it is
 * created again (recorded, acknowledged like any write) and read once more: the read then shows the version the
 * lost-write count compares against. Undefined for a token that could not be read in time.
 */
export async function finalReads(
  ops: TokenOps,
  tokens: readonly string[],
  boundMs: number,
): Promise<(FinalRead | undefined)[]> {
  return Promise.all(
    tokens.map(async (token) => {
      const deadlineMs = Date.now() + boundMs
      const client = `final-${token}`
      for (let round = 0; round < 3 && Date.now() < deadlineMs; round++) {
        const read = await retry(() => ops.read(client, token), deadlineMs)
        if (read?.ok === true) return { token, result: readRegisterResult(read.reply), version: read.reply.version }
        if (read === undefined || !isNotFound(read.error)) return undefined
        await retry(() => ops.create(client, token), deadlineMs)
      }
      return undefined
    }),
  )
}

/** Repeats `attempt` until it is served; undefined when served, else the last error once the deadline passed. */
async function untilServed<T>(attempt: () => Promise<Recorded<T>>, deadlineMs: number): Promise<string | undefined> {
  const served = await retry(attempt, deadlineMs)
  if (served === undefined) return 'no attempt finished before the deadline'
  return served.ok || isSemantic(served.error) ? undefined : (served.error as Error).message
}

/** The first attempt that is served (ok or a semantic answer), or the last one when the deadline passes. */
async function retry<T>(attempt: () => Promise<Recorded<T>>, deadlineMs: number): Promise<Recorded<T> | undefined> {
  let last: Recorded<T> | undefined
  while (Date.now() < deadlineMs) {
    last = await attempt()
    if (last.ok || isSemantic(last.error)) return last
    await sleep(RETRY_PAUSE_MS)
  }
  return last
}

function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError
}

/** The register's answer, not a failure to serve: the library records these as results. */
function isSemantic(error: unknown): boolean {
  return error instanceof NotFoundError || error instanceof AlreadyExistsError
}
