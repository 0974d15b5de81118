/** The replay page's stylesheet: inline, so the page stands alone. */
export const REPLAY_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.2em 2em; color: #1d2330; background: #fafbfc; }
h1 { font-size: 1.3em; margin: 0.6em 0 0.2em; }
h2 { font-size: 1.05em; margin: 0.8em 0 0.3em; }
.verdict-linearizable { color: #1a7f37; }
.verdict-violation { color: #c0262d; }
.verdict-timeout { color: #9a6700; }
#truncated { color: #9a6700; }
nav { position: sticky; top: 0; background: #fafbfc; padding: 0.5em 0; display: flex; gap: 0.5em;
  align-items: center; border-bottom: 1px solid #d0d7de; z-index: 1; flex-wrap: wrap; }
nav button { font: inherit; padding: 0.2em 0.8em; }
#slider { flex: 1; min-width: 12em; }
#step-counter { font-variant-numeric: tabular-nums; font-weight: 600; }
#step-time { font-variant-numeric: tabular-nums; color: #57606a; }
.grid { display: grid; grid-template-columns: minmax(280px, 360px) 1fr; gap: 1em; }
#events { margin: 0; padding-left: 1.2em; }
#events li { font-family: ui-monospace, monospace; font-size: 12.5px; }
.ev-complete, .ev-invoke { color: #0b5cad; }
.ev-restart, .ev-suspend, .ev-resume, .ev-lost, .ev-drop { color: #9a3412; }
#network { width: 100%; max-width: 360px; height: auto; }
#network .node circle { fill: #fff; stroke: #1d2330; }
#network .node.suspended circle { fill: #e5e7eb; stroke-dasharray: 3 2; }
#network .node text { font-size: 11px; text-anchor: middle; }
#network .msg line { stroke: #8c959f; stroke-width: 1; marker-end: url(#arrow); }
#network .msg circle { fill: #0b5cad; }
#nodes { display: flex; flex-wrap: wrap; gap: 0.6em; }
.node-box { border: 1px solid #8c959f; border-radius: 6px; background: #fff; padding: 0.3em 0.5em; }
.node-box.suspended { background: #eef0f3; border-style: dashed; }
.node-box h3 { font-size: 0.95em; margin: 0 0 0.2em; }
.node-box table { border-collapse: collapse; font-size: 12.5px; }
.node-box td, .node-box th { padding: 0 0.5em 0 0; text-align: left; white-space: nowrap; }
.node-box tr.changed td { background: #fff3bf; }
.node-box tr.silent td { color: #8c959f; text-decoration: line-through; }
#in-flight { margin: 0; padding-left: 1.2em; font-family: ui-monospace, monospace; font-size: 12px;
  max-height: 14em; overflow: auto; }
#timeline { width: 100%; height: auto; border: 1px solid #d0d7de; background: #fff; }
#timeline text { font-size: 11px; }
#timeline .op rect { stroke: #1d2330; stroke-width: 0.5; cursor: pointer; }
#timeline .op.ok.read rect { fill: #8fd19e; }
#timeline .op.ok.write rect { fill: #6cb6ff; }
#timeline .op.ok.other rect { fill: #b4a7f5; }
#timeline .op.refused rect { fill: #d8dee4; }
#timeline .op.failed rect { fill: #ffb3a7; }
#timeline .op.unknown rect { fill: #fde68a; }
#timeline .op.cancelled rect { fill: #eaeef2; }
#timeline .op.future { opacity: 0.25; }
#timeline .op.highlight rect { stroke: #c0262d; stroke-width: 2.5; }
#timeline .op.blocked rect { stroke-dasharray: 4 2; }
#timeline .op.current rect { stroke: #0b5cad; stroke-width: 2.5; }
#timeline .cursor { stroke: #c0262d; stroke-width: 1.5; }
.legend span { display: inline-block; margin-right: 1em; font-size: 12px; }
.legend i { display: inline-block; width: 1.2em; height: 0.8em; margin-right: 0.3em; border: 1px solid #1d2330; }
.chips { display: flex; flex-wrap: wrap; gap: 0.25em; margin: 0.2em 0 0.6em; }
.chip { font-family: ui-monospace, monospace; font-size: 12px; border: 1px solid #8c959f; border-radius: 3px;
  padding: 0 0.3em; background: #fff; }
.chip.future { opacity: 0.35; }
.chip.highlight { border-color: #c0262d; border-width: 2px; }
pre.counterexample { background: #fff5f5; border: 1px solid #c0262d; padding: 0.5em; overflow: auto;
  font-size: 12px; }
`
