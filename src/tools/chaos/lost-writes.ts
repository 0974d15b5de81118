import type { RegisterResult } from '../../core/checker/history.js'
import { sameResult } from '../../core/checker/register-model.js'

/** A register timestamp as replies carry it: seq first, the writer's epoch breaks ties (timestamp.ts). */
export interface Version {
  readonly seq: bigint
  readonly epoch: bigint
}

/**
 * A writer operation the cluster acknowledged: what a read would return right after it (a write's value, `empty`
 * after a create, `not-found` after a drop) and the version its reply carried.
 */
export interface AckedWrite {
  readonly token: string
  readonly expected: RegisterResult
  readonly version: Version
}

/** The last read of a token after the run healed (and every node restarted): what it returned, at which version. */
export interface FinalRead {
  readonly token: string
  readonly result: RegisterResult
  readonly version: Version
}

export interface LostWrites {
  readonly acked: number
  readonly lost: readonly AckedWrite[]
  /** Tokens with acknowledged writes but no final read: their writes could not be judged. */
  readonly unjudged: readonly string[]
}

export function compareVersions(a: Version, b: Version): number {
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1
  return 0
}

/**
 * Counts lost acknowledged writes. An acknowledged writer operation `w` on token T, with version v(w), is **kept**
 * when T's final read F (version v(F), result r(F)) shows it or something ordered after it:
 *   - v(w) < v(F): a later-versioned write superseded it (the writer ordered that write after w, so it knew w), or
 *   - v(w) = v(F) and r(F) is w's own result (its value, `empty` for a create): it is the final value.
 * Otherwise `w` is **lost**: v(w) > v(F) (the final state is older than an acknowledged write: w vanished, e.g.
 * not durable across kill -9), or v(w) = v(F) with another result (two values under one version).
 * The final read must therefore be at least as new as every acknowledged write; as the register is atomic, a
 * read after all writes returned must be. A final read of a dropped token carries no version, so the harness
 * re-creates such a token and reads again (that create is itself an acknowledged write).
 */
export function countLostWrites(acked: readonly AckedWrite[], finals: readonly FinalRead[]): LostWrites {
  const finalByToken = new Map(finals.map((f) => [f.token, f]))
  const lost: AckedWrite[] = []
  const unjudged = new Set<string>()
  for (const write of acked) {
    const final = finalByToken.get(write.token)
    if (final === undefined) {
      unjudged.add(write.token)
      continue
    }
    const order = compareVersions(write.version, final.version)
    if (order > 0 || (order === 0 && !sameResult(write.expected, final.result))) lost.push(write)
  }
  return { acked: acked.length, lost, unjudged: [...unjudged] }
}
