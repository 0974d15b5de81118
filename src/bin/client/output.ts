import { terminalText } from '../../plugins/grpc/log-text.js'
import type { FailSilentResult, NodeStatus as StatusReply, TokenStatus } from '../../client/admin-results.js'
import type { Argmin, LifecycleResult, ReadResult, Version, WriteResult } from '../../client/wire-results.js'
import type { NodeStatus } from './cluster-status.js'
import type { Failure } from './failure.js'

/*
 * Human output is `key  value` lines (easy to read and to grep); --json output is exactly one JSON object per
 * run, keys snake_case as in the proto, every uint64 a decimal string, and the version split into
 * `"version": "<seq>"` and `"epoch": "<epoch>"`.
 */

export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json }

export function jsonLine(value: Json): string {
  return `${JSON.stringify(value)}\n`
}

export function versionOf(version: Version): { version: string; epoch: string } {
  return { version: String(version.seq), epoch: String(version.epoch) }
}

function argminJson(argmin: Argmin | undefined): Json {
  return argmin === undefined ? null : { nonce: String(argmin.nonce), hash: String(argmin.hash) }
}

function argminText(argmin: Argmin | undefined, none: string): string {
  return argmin === undefined ? none : `nonce ${argmin.nonce} hash ${argmin.hash}`
}

/** Aligned `key  value` lines. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([key]) => key.length)) + 2
  return pairs.map(([key, value]) => `${key.padEnd(width)}${value}\n`).join('')
}

export function formatWrite(reply: WriteResult, json: boolean): string {
  const { version, epoch } = versionOf(reply.version)
  if (json)
    return jsonLine({ id: reply.id, partial: argminJson(reply.partial), version, epoch, served_by: reply.servedBy })
  return keyValues([
    ['id', reply.id],
    ['partial', argminText(reply.partial, 'none (low == mid: empty range)')],
    ['version', version],
    ['served_by', reply.servedBy],
  ])
}

/** Create and drop: `verb` is what happened, e.g. `created`. */
export function formatLifecycle(verb: string, reply: LifecycleResult, json: boolean): string {
  const { version, epoch } = versionOf(reply.version)
  if (json) return jsonLine({ id: reply.id, version, epoch, served_by: reply.servedBy })
  return `${verb} token ${reply.id}: version ${version}, served_by ${reply.servedBy}\n`
}

export function formatRead(reply: ReadResult, json: boolean): string {
  return json ? jsonLine(readJson(reply)) : readText(reply)
}

function readJson(reply: ReadResult): Json {
  const { version, epoch } = versionOf(reply.version)
  const value = reply.written
    ? {
        name: reply.name ?? null,
        low: String(reply.low),
        mid: String(reply.mid),
        high: String(reply.high),
        partial: argminJson(reply.partial),
        final: argminJson(reply.final),
      }
    : { name: null, low: null, mid: null, high: null, partial: null, final: null }
  return {
    id: reply.id,
    written: reply.written,
    ...value,
    version,
    epoch,
    writer: reply.writer,
    readers: [...reply.readers],
    served_by: reply.servedBy,
  }
}

function readText(reply: ReadResult): string {
  const tail: [string, string][] = [
    ['version', versionOf(reply.version).version],
    ['writer', reply.writer],
    ['readers', reply.readers.join(', ')],
    ['served_by', reply.servedBy],
  ]
  if (!reply.written) {
    return (
      `token ${reply.id} has no value yet (created, never written)\n` +
      keyValues([['id', reply.id], ['written', 'false'], ...tail])
    )
  }
  return keyValues([
    ['id', reply.id],
    // A name is any UTF-8 text a writer chose: escape what would drive the terminal (ANSI escapes, bidi controls).
    ['name', terminalText(reply.name ?? '')],
    ['low', String(reply.low)],
    ['mid', String(reply.mid)],
    ['high', String(reply.high)],
    ['partial', argminText(reply.partial, 'none (low == mid: empty range)')],
    ['final', argminText(reply.final, 'none')],
    ...tail,
  ])
}

export function formatFailSilent(reply: FailSilentResult, afterMs: number, json: boolean): string {
  const atMs = String(reply.atMs)
  if (json) return jsonLine({ node: reply.node, id: reply.id, after_ms: String(afterMs), at_ms: atMs })
  const when = afterMs === 0 ? 'now' : `in ${afterMs} ms`
  return `${reply.node} goes silent for token ${reply.id} ${when} (node clock ${atMs} ms)\n`
}

export function formatStatus(reply: StatusReply, json: boolean): string {
  if (json) return jsonLine(statusJson(reply))
  return `node ${reply.node}  ${statusText(reply)}`
}

/** One node's Status reply as JSON fields (uint64 as decimal strings). */
function statusJson(reply: StatusReply): { readonly [key: string]: Json } {
  return {
    node: reply.node,
    scheme_fingerprint: reply.schemeFingerprint,
    ignored_replies: String(reply.ignoredReplies),
    tokens: reply.tokens.map(tokenStatusJson),
  }
}

/** The rest of the header line after the node's name, then the token table. */
function statusText(reply: StatusReply): string {
  const header = `scheme ${reply.schemeFingerprint}  ignored replies ${reply.ignoredReplies}\n`
  if (reply.tokens.length === 0) return `${header}(no tokens on this node)\n`
  const rows = reply.tokens.map((s) => [
    s.id,
    s.roles.join(',') || '-',
    s.version === undefined ? '-' : String(s.version.seq),
    valueText(s),
    s.silent ? 'yes' : 'no',
    String(s.pending),
    String(s.replicas),
    `${s.readQuorum}/${s.writeQuorum}`,
    s.committed ? 'yes' : 'no',
    s.value === 'written' ? (s.finalComputed ? 'yes' : 'no') : '-',
    leaseText(s),
    String(s.operations),
    recoveringText(s),
  ])
  const headers = ['ID', 'ROLES', 'VERSION', 'VALUE', 'SILENT', 'PENDING', 'REPLICAS', 'R/W QUORUM', 'COMMITTED']
  return header + table([...headers, 'FINAL', 'LEASE', 'OPS', 'RECOVERING'], rows)
}

/** At a reader: `held <ms>ms` while it holds a lease; at the writer: the readers that may hold one; else `-`. */
function leaseText(s: TokenStatus): string {
  if (s.leaseRemainingMs !== undefined) return `held ${s.leaseRemainingMs}ms`
  if (s.leaseHolders.length > 0) return `${s.leaseHolders.length} holder${s.leaseHolders.length === 1 ? '' : 's'}`
  return '-'
}

/** `no`, or how far the replica's recovery got: other replicas that answered, and how many had their state. */
function recoveringText(s: TokenStatus): string {
  const r = s.recovering
  return r === undefined ? 'no' : `${r.answered}/${r.others} answered, ${r.ready} ready`
}

/**
 * Every node of the scheme: one section per node (blank line between), a node that did not answer as
 * `unreachable (<reason>)`; with --json `{ "nodes": [...] }`, `node` being the scheme's address for the node.
 */
export function formatClusterStatus(nodes: readonly NodeStatus[], json: boolean): string {
  if (json) return jsonLine({ nodes: nodes.map(nodeStatusJson) })
  const sections = nodes.map((n) =>
    n.ok ? `${n.node}  ${nodeNameText(n)}${statusText(n.reply)}` : `${n.node}  unreachable (${n.error})\n`,
  )
  const fingerprints = new Set(nodes.flatMap((n) => (n.ok ? [n.reply.schemeFingerprint] : [])))
  const warning =
    fingerprints.size > 1 ? `\nwarning: the nodes run different schemes (${[...fingerprints].join(', ')})\n` : ''
  return sections.join('\n') + warning
}

/** The node's own name, where it differs from the scheme's address for it. */
function nodeNameText(n: NodeStatus & { ok: true }): string {
  return n.reply.node === n.node ? '' : `(calls itself ${n.reply.node})  `
}

function nodeStatusJson(n: NodeStatus): Json {
  if (!n.ok) return { node: n.node, ok: false, error: n.error }
  return { ...statusJson(n.reply), node: n.node, ok: true, reported_node: n.reply.node }
}

function tokenStatusJson(s: TokenStatus): Json {
  const version = s.version === undefined ? { version: null, epoch: null } : versionOf(s.version)
  return {
    id: s.id,
    roles: [...s.roles],
    silent: s.silent,
    ...version,
    value: s.value === undefined ? null : WIRE_VALUE_KIND[s.value],
    pending: s.pending,
    replicas: s.replicas,
    read_quorum: s.readQuorum,
    write_quorum: s.writeQuorum,
    writer: s.writer,
    readers: [...s.readers],
    recovering: s.recovering === undefined ? null : { ...s.recovering },
    committed: s.committed,
    final_computed: s.finalComputed,
    lease_holders: s.leaseHolders.map((h) => ({ node: h.node, remaining_ms: String(h.remainingMs) })),
    lease_remaining_ms: s.leaseRemainingMs === undefined ? null : String(s.leaseRemainingMs),
    operations: String(s.operations),
  }
}

/** --json keeps the proto's names for the value kinds, as scripts written against it expect. */
const WIRE_VALUE_KIND = { written: 'token', empty: 'empty', dropped: 'absent' } as const

/** `-` when this node stores no copy (a writer that is not a reader). */
function valueText(s: TokenStatus): string {
  return s.value ?? '-'
}

/** Left-aligned columns, two spaces apart. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`
  return line(headers) + rows.map(line).join('')
}

/** The error line for stderr and, with --json, the one JSON object stdout still owes the caller. */
export function formatFailure(
  failure: Failure,
  json: boolean,
  extra: { readonly [key: string]: Json } = {},
): { stderr: string; stdout: string } {
  const error = { status: failure.status, exit_code: failure.exitCode, message: failure.message }
  const stdout = json ? jsonLine({ error, ...extra }) : ''
  return { stderr: `tm-client: ${failure.message}\n`, stdout }
}
