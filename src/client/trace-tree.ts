import type { TraceSpan } from './trace-results.js'

/** One span with the spans whose parent it is, by start time. */
export interface TraceTreeNode {
  readonly span: TraceSpan
  readonly children: readonly TraceTreeNode[]
}

/**
 * The spans of one trace (from any nodes, in any order, duplicates allowed) as trees: a span whose parent is
 * among them hangs under it; the others are roots (the operation, whose parent is the caller's span). Siblings
 * and roots are in start order.
 */
export function traceTree(spans: readonly TraceSpan[]): TraceTreeNode[] {
  const unique = new Map(spans.map((span) => [span.spanId, span]))
  const children = new Map<string, TraceSpan[]>()
  const roots: TraceSpan[] = []
  for (const span of unique.values()) {
    const parent = span.parentSpanId
    if (parent === undefined || !unique.has(parent) || parent === span.spanId) roots.push(span)
    else children.set(parent, [...(children.get(parent) ?? []), span])
  }
  const build = (span: TraceSpan, depth: number): TraceTreeNode => ({
    span,
    // A trace of ours is a few levels deep; the bound only guards against a cycle in spans from elsewhere.
    children: depth > 32 ? [] : byStart(children.get(span.spanId) ?? []).map((child) => build(child, depth + 1)),
  })
  return byStart(roots).map((root) => build(root, 0))
}

function byStart(spans: readonly TraceSpan[]): TraceSpan[] {
  return [...spans].sort((a, b) => a.startMs - b.startMs || a.node.localeCompare(b.node))
}
