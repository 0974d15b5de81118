import type { HistoryOperation } from '../../core/checker/history.js'
import type { RecordIds } from './check-report.js'

/** What one token's timeline shows: its operations, and which of them the counterexample names. */
export interface TimelineInput {
  /** Unique within the page: SVG ids (the hatch pattern) are document-wide. */
  readonly index: number
  readonly operations: readonly HistoryOperation[]
  readonly highlighted: ReadonlySet<number>
  readonly blocked?: number
  readonly ids: RecordIds
}

const LABEL_W = 160
const PLOT_W = 900
/** Finite times use this share of the plot; the rest is "later", where unknown outcomes run on to the end. */
const FINITE_SHARE = 0.92
const AXIS_H = 26
const LANE_H = 40
const BAR_H = 16
const MIN_BAR_W = 3

/** Text for SVG/HTML content and attribute values alike. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** One lane per client (in order of first invocation), each operation a bar from invoke to return. */
export function renderTimeline(input: TimelineInput): string {
  const clients = [...new Set([...input.operations].sort((a, b) => a.invokeMs - b.invokeMs).map((o) => o.client))]
  const x = timeScale(input.operations)
  const height = AXIS_H + clients.length * LANE_H + 8
  const width = LABEL_W + PLOT_W + 10
  const hatch = `hatch-${input.index}`
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<defs>${hatchPattern(hatch, '#8fb8e8')}${hatchPattern(`${hatch}-red`, '#e55')}</defs>`,
    ...axis(input.operations, x, height),
    ...clients.map((client, lane) => laneLabel(client, lane)),
    ...input.operations.map((o) => bar(o, clients.indexOf(o.client), x, input, hatch)),
    '</svg>',
  ]
  return parts.join('\n')
}

/** Stripes for unknown outcomes; patterns do not inherit the bar's color, hence one per color. */
function hatchPattern(id: string, color: string): string {
  return (
    `<pattern id="${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
    `<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="${color}" stroke-width="3"/></pattern>`
  )
}

interface Scale {
  readonly at: (ms: number) => number
  readonly startMs: number
  readonly spanMs: number
}

function timeScale(operations: readonly HistoryOperation[]): Scale {
  const times = operations.flatMap((o) =>
    o.completion.kind === 'unknown' ? [o.invokeMs] : [o.invokeMs, o.completion.returnMs],
  )
  // reduce, not Math.min(...times): a long history would overflow the argument list.
  const startMs = times.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY)
  const endMs = times.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY)
  const spanMs = Math.max(endMs - startMs, 1)
  const at = (ms: number): number =>
    LABEL_W + (Number.isFinite(ms) ? ((ms - startMs) / spanMs) * PLOT_W * FINITE_SHARE : PLOT_W)
  return { at, startMs, spanMs }
}

function axis(operations: readonly HistoryOperation[], x: Scale, height: number): string[] {
  if (operations.length === 0) return []
  const ticks = [...new Set([0, 0.25, 0.5, 0.75, 1].map((share) => Math.round(share * x.spanMs)))]
  return ticks.map((offset) => {
    const px = x.at(x.startMs + offset).toFixed(1)
    return (
      `<line class="tick" x1="${px}" y1="${AXIS_H - 6}" x2="${px}" y2="${height}"/>` +
      `<text class="axis" x="${px}" y="${AXIS_H - 10}">+${offset} ms</text>`
    )
  })
}

function laneLabel(client: string, lane: number): string {
  const y = AXIS_H + lane * LANE_H + BAR_H
  return `<text class="client" x="4" y="${y}">${escapeXml(truncate(client, 22))}</text>`
}

function bar(o: HistoryOperation, lane: number, x: Scale, input: TimelineInput, hatch: string): string {
  const x1 = x.at(o.invokeMs)
  const x2 = x.at(o.completion.kind === 'unknown' ? Number.POSITIVE_INFINITY : o.completion.returnMs)
  const y = AXIS_H + lane * LANE_H + 4
  const red = input.highlighted.has(o.id)
  const classes = [
    'op',
    o.completion.kind,
    ...(red ? ['counterexample'] : []),
    ...(input.blocked === o.id ? ['blocked'] : []),
  ].join(' ')
  const recordId = input.ids.get(o.id) ?? String(o.id)
  const label = operationLabel(o)
  // A style attribute, as the page's stylesheet would override a fill attribute.
  const fill = o.completion.kind === 'unknown' ? ` style="fill: url(#${hatch}${red ? '-red' : ''})"` : ''
  return (
    `<g class="${classes}" data-id="${escapeXml(recordId)}" data-line="${o.id}">` +
    `<title>${escapeXml(`#${o.id} ${recordId} by ${o.client}: ${label}`)}</title>` +
    `<rect x="${x1.toFixed(1)}" y="${y}" width="${Math.max(x2 - x1, MIN_BAR_W).toFixed(1)}" height="${BAR_H}"${fill}/>` +
    `<text x="${x1.toFixed(1)}" y="${y + BAR_H + 12}">${escapeXml(truncate(label, 60))}</text></g>`
  )
}

/** E.g. `write(alice|0|1|2) → ok`, `read → value alice|0|1|2`, `drop → unknown`. */
export function operationLabel(o: HistoryOperation): string {
  const op = o.op.kind === 'write' ? `write(${o.op.value})` : o.op.kind
  const { completion } = o
  if (completion.kind === 'unknown') return `${op} → unknown`
  if (completion.kind === 'failed') return `${op} → failed`
  const result = completion.result.kind === 'value' ? `value ${completion.result.value}` : completion.result.kind
  return `${op} → ${result}`
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}
