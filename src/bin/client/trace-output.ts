import type { NodeTraceSpans } from '../../client/token-manager-client.js'
import type { TraceSpan } from '../../client/trace-results.js'
import { type TraceTreeNode, traceTree } from '../../client/trace-tree.js'
import { terminalText } from '../../plugins/grpc/log-text.js'

/*
 * An operation's trace as tm-client --trace prints it: one tree of the spans every node of the token recorded,
 * indented by parent, each line the phase, the node, how long it took and why it ended, then the replicas asked
 * and the replies with their versions (times from the start of the trace). --json gives the same tree as JSON.
 */

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json }

const ms = (value: number): string => `${value.toFixed(1)} ms`

function attribute(span: TraceSpan, key: string): string | undefined {
  const value = span.attributes[key]
  return value === undefined ? undefined : typeof value === 'string' ? value : value.join(', ')
}

function spanLine(span: TraceSpan, originMs: number): string {
  const why = attribute(span, 'tm.end') ?? attribute(span, 'tm.outcome') ?? ''
  const parts = [span.name, span.node, `+${ms(span.startMs - originMs)}`, ms(span.endMs - span.startMs), why]
  const asked = attribute(span, 'tm.asked')
  if (asked !== undefined) parts.push(`asked ${asked}`)
  const detail = attribute(span, 'tm.detail')
  if (detail !== undefined) parts.push(detail)
  if (span.error !== undefined && span.error !== `ended: ${why}`) parts.push(`error: ${span.error}`)
  // Details quote node names and messages: escape what would drive the terminal.
  return terminalText(parts.filter((part) => part !== '').join('  '))
}

function treeText(node: TraceTreeNode, depth: number, originMs: number): string[] {
  const indent = '  '.repeat(depth)
  const lines = [`${indent}${spanLine(node.span, originMs)}`]
  for (const event of node.span.events) {
    const { from = '?', version = '?' } = event.attributes
    lines.push(terminalText(`${indent}    reply from ${from}  v${version}  +${ms(event.timeMs - originMs)}`))
  }
  for (const child of node.children) lines.push(...treeText(child, depth + 1, originMs))
  return lines
}

function treeJson(node: TraceTreeNode): Json {
  const span = node.span
  return {
    name: span.name,
    node: span.node,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
    start_unix_ms: span.startMs,
    duration_ms: span.endMs - span.startMs,
    attributes: span.attributes as Json,
    replies: span.events.map((e) => ({
      from: e.attributes.from ?? null,
      version: e.attributes.version ?? null,
      time_unix_ms: e.timeMs,
    })),
    error: span.error ?? null,
    children: node.children.map(treeJson),
  }
}

function spansOf(nodes: readonly NodeTraceSpans[]): TraceSpan[] {
  return nodes.flatMap((n) => (n.ok ? n.spans : []))
}

/** The trace as text lines: a header, the tree, and a line per node that could not be asked. */
export function traceText(traceId: string, nodes: readonly NodeTraceSpans[]): string {
  const spans = spansOf(nodes)
  const trees = traceTree(spans)
  const originMs = Math.min(...spans.map((s) => s.startMs))
  const lines = [`trace ${traceId}  (${spans.length} spans from ${nodes.filter((n) => n.ok).length} nodes)`]
  for (const tree of trees) lines.push(...treeText(tree, 0, originMs))
  if (spans.length === 0) lines.push('(no spans: the nodes recorded none, or rotated them out)')
  for (const n of nodes) if (!n.ok) lines.push(terminalText(`${n.node}: not asked for its spans (${n.error.message})`))
  return `${lines.join('\n')}\n`
}

/** The trace as one JSON value: its id, each node asked (and why one failed), and the span tree. */
export function traceJson(traceId: string, nodes: readonly NodeTraceSpans[]): Json {
  return {
    trace_id: traceId,
    nodes: nodes.map(
      (n): Json =>
        n.ok ? { node: n.node, ok: true, spans: n.spans.length } : { node: n.node, ok: false, error: n.error.message },
    ),
    tree: traceTree(spansOf(nodes)).map(treeJson),
  }
}
