import type { HistoryOperation } from '../../core/checker/history.js'
import type { CheckReport, TokenReport } from '../../core/checker/linearizability-checker.js'
import { involved, operations as operationCount } from './check-report.js'
import type { RecordIds } from './check-report.js'
import { escapeXml, renderTimeline } from './timeline-svg.js'

/*
 * `tm-check --html OUT`: one self-contained page (inline CSS and SVG, nothing fetched) with the verdict on top and,
 * per token, a timeline of its operations with the counterexample's operations in red.
 */

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.verdict-linearizable { color: #1a7f37; } .verdict-violation { color: #c00; } .verdict-timeout { color: #9a6700; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; }
.legend span { display: inline-block; margin-right: 16px; }
.swatch { display: inline-block; width: 28px; height: 12px; vertical-align: middle; margin-right: 4px; border: 1px solid #555; }
.sw-ok { background: #8fb8e8; } .sw-failed { background: #ccc; } .sw-cx { background: #e55; }
.sw-unknown { border-style: dashed; background: repeating-linear-gradient(45deg, #8fb8e8 0 3px, #fff 3px 6px); }
svg { display: block; margin: 8px 0; }
svg text { font: 11px system-ui, sans-serif; fill: #222; }
svg text.axis { fill: #777; text-anchor: middle; } svg line.tick { stroke: #eee; }
svg text.client { font-weight: bold; }
g.op rect { fill: #8fb8e8; stroke: #3b6ea8; }
g.op.failed rect { fill: #ccc; stroke: #888; }
g.op.unknown rect { stroke-dasharray: 4 3; }
g.op.counterexample rect { stroke: #c00; stroke-width: 2; }
g.op.counterexample:not(.unknown) rect { fill: #e55; }
g.op.counterexample text { fill: #c00; font-weight: bold; }
g.op.blocked rect { stroke-width: 3; }
`

const LEGEND =
  '<p class="legend">' +
  '<span><i class="swatch sw-ok"></i>returned (bar: invoke to return)</span>' +
  '<span><i class="swatch sw-unknown"></i>outcome unknown (runs to the end)</span>' +
  '<span><i class="swatch sw-failed"></i>failed, no effect</span>' +
  '<span><i class="swatch sw-cx"></i>in the counterexample (thickest border: the operation no order explains)</span></p>'

export function renderHtmlReport(
  report: CheckReport,
  operations: readonly HistoryOperation[],
  ids: RecordIds,
  file: string,
): string {
  const byToken = groupByToken(operations)
  const sections = report.tokens.map((token, index) => tokenSection(token, byToken.get(token.token) ?? [], ids, index))
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(`tm-check: ${file}`)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${escapeXml(file)}: <span class="verdict-${report.verdict}">${escapeXml(overallText(report))}</span></h1>`,
    LEGEND,
    ...sections,
    '</body></html>',
    '',
  ].join('\n')
}

function overallText(report: CheckReport): string {
  const tokens = `${report.tokens.length} token${report.tokens.length === 1 ? '' : 's'}`
  switch (report.verdict) {
    case 'linearizable':
      return `linearizable (${tokens})`
    case 'violation':
      return `NOT linearizable (${tokens})`
    case 'timeout':
      return `no verdict, the check timed out (${tokens})`
  }
}

function tokenSection(
  token: TokenReport,
  operations: readonly HistoryOperation[],
  ids: RecordIds,
  index: number,
): string {
  const counterexample = token.counterexample
  const highlighted = new Set(counterexample === undefined ? [] : involved(counterexample).map((o) => o.id))
  const verdict =
    token.verdict === 'linearizable'
      ? `linearizable (${operationCount(token.operations)})`
      : token.verdict === 'violation'
        ? 'NOT linearizable'
        : 'no verdict, timed out'
  const timeline = renderTimeline({
    index,
    operations,
    highlighted,
    ids,
    ...(counterexample === undefined ? {} : { blocked: counterexample.blocked.id }),
  })
  return [
    `<section><h2>token ${escapeXml(token.token)}: <span class="verdict-${token.verdict}">${escapeXml(verdict)}</span></h2>`,
    ...(counterexample === undefined ? [] : [`<pre>${escapeXml(counterexample.message)}</pre>`]),
    timeline,
    '</section>',
  ].join('\n')
}

function groupByToken(operations: readonly HistoryOperation[]): Map<string, HistoryOperation[]> {
  const byToken = new Map<string, HistoryOperation[]>()
  for (const o of operations) {
    const list = byToken.get(o.token)
    if (list === undefined) byToken.set(o.token, [o])
    else list.push(o)
  }
  return byToken
}
