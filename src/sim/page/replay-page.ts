import type { ReplayData } from '../replay-data.js'
import { REPLAY_SCRIPT } from './replay-script.js'
import { REPLAY_STYLE } from './replay-style.js'

/** Text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/**
 * JSON safe inside a script element: no `<` can close it or open a comment, and the line separators that older
 * engines refuse in string literals are escaped too.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

const LEGEND: readonly [string, string][] = [
  ['#6cb6ff', 'write ok'],
  ['#8fd19e', 'read ok'],
  ['#b4a7f5', 'create / drop ok'],
  ['#d8dee4', 'refused (not-found, already-exists)'],
  ['#ffb3a7', 'failed'],
  ['#fde68a', 'unknown outcome'],
  ['#eaeef2', 'cancelled'],
]

function legend(): string {
  const items = LEGEND.map(([color, text]) => `<span><i style="background:${color}"></i>${escapeHtml(text)}</span>`)
  const counterexample = '<span><i style="border:2.5px solid #c0262d"></i>in the counterexample</span>'
  return `<div class="legend">${items.join('')}${counterexample}</div>`
}

/**
 * The replay page: one self-contained file (inline style, script and data; no external URL), the same bytes for
 * the same data. Everything the run says is drawn by the script from the JSON, through textContent.
 */
export function renderReplayPage(data: ReplayData): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${REPLAY_STYLE}</style>`,
    '</head><body>',
    '<header><h1><span id="title"></span>: <span id="verdict"></span></h1>',
    '<p id="summary"></p><p id="truncated" hidden></p></header>',
    '<nav id="controls">',
    '<button id="back" title="Back one step (Left arrow)">&#9664; back</button>',
    '<button id="play" title="Play or pause (Space)">&#9654; play</button>',
    '<button id="forward" title="Forward one step (Right arrow)">forward &#9654;</button>',
    '<input id="slider" type="range" min="0" max="0" value="0" aria-label="step">',
    '<span id="step-counter"></span><span id="step-time"></span>',
    '</nav>',
    '<div class="grid">',
    '<section><h2>This step</h2><ul id="events"></ul>',
    '<h2>Network</h2><svg id="network" viewBox="0 0 360 300" role="img" aria-label="nodes and messages"></svg>',
    '<h2>Messages in flight: <span id="flight-count"></span></h2><ul id="in-flight"></ul></section>',
    '<section><h2>Nodes: each replica&#39;s copy of each token</h2><div id="nodes"></div>',
    '<h2>Client operations, from invocation to return (by step; hover a bar for its times)</h2>' +
      '<svg id="timeline" role="img" aria-label="client operations"></svg>',
    legend(),
    '<h2>The checker&#39;s linearization</h2><div id="linearization"></div></section>',
    '</div>',
    `<script type="application/json" id="replay-data">${scriptJson(data)}</script>`,
    `<script>${REPLAY_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n')
}
