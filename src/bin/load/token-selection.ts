import { UsageError } from 'clipanion'
import type { ReplicationScheme } from '../../core/scheme/replication-scheme.js'

/**
 * The tokens a run uses, from `--tokens`: unset for every token of the scheme; a bare count `N` for the first N
 * tokens in scheme order; or a list of ids with ranges, `1,2,10-20` (a single id is written `7,`).
 */
export function selectTokens(scheme: ReplicationScheme, spec: string | undefined): string[] {
  const all = scheme.entries.map((e) => e.token)
  if (spec === undefined || spec === 'all') return all
  if (/^[0-9]+$/.test(spec)) {
    const count = Number(spec)
    if (count < 1 || count > all.length)
      throw new UsageError(
        `--tokens ${spec}: the scheme has ${all.length} tokens (a count selects the first N; a single id is written "${spec},")`,
      )
    return all.slice(0, count)
  }
  const ids: string[] = []
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const range = /^([0-9]+)-([0-9]+)$/.exec(part)
    if (range === null) ids.push(part)
    else for (let i = Number(range[1]); i <= Number(range[2]); i++) ids.push(String(i))
  }
  const unknown = ids.filter((id) => scheme.get(id) === undefined)
  if (unknown.length > 0) throw new UsageError(`--tokens: not in the scheme: ${unknown.slice(0, 5).join(', ')}`)
  if (ids.length === 0) throw new UsageError('--tokens selects no token')
  return [...new Set(ids)]
}
