// tm-web's page: a live grid of tokens x nodes from the server's snapshot stream, and actions posted back to it.
// Plain DOM, no framework. Every value from the cluster goes into the page as text (textContent), never as markup.

const MAX_RESULTS = 20

const state = { tokens: [], nodes: [], layout: '', cells: new Map() }

/** A new element with attributes and children (strings become text nodes). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value))
  node.append(...children)
  return node
}

function connect() {
  const source = new EventSource('/events')
  const status = document.getElementById('connection')
  source.addEventListener('open', () => setConnection(status, 'live', 'live'))
  source.addEventListener('error', () => setConnection(status, 'lost', 'reconnecting…'))
  source.addEventListener('snapshot', (event) => render(JSON.parse(event.data)))
}

function setConnection(status, state, text) {
  status.dataset.state = state
  status.textContent = text
}

function render(snapshot) {
  const layout = JSON.stringify([snapshot.nodes.map((n) => n.node), snapshot.tokens.map((t) => t.id)])
  if (layout !== state.layout) buildGrid(snapshot, layout)
  renderNodes(snapshot.nodes)
  for (const token of snapshot.tokens) renderRow(token, snapshot.nodes)
  const shown = snapshot.tokens.length
  const count = shown < snapshot.tokenCount ? `${shown} of ${snapshot.tokenCount} tokens shown` : `${shown} tokens`
  document.getElementById('token-count').textContent = `${count}, ${snapshot.nodes.length} nodes`
  document.getElementById('updated').textContent = `updated ${new Date(snapshot.atMs).toLocaleTimeString()}`
  renderOperations(snapshot.operations)
}

/** The table's skeleton and the forms' choices, when the nodes or tokens change (in practice once). */
function buildGrid(snapshot, layout) {
  state.layout = layout
  state.nodes = snapshot.nodes.map((n) => n.node)
  state.tokens = snapshot.tokens.map((t) => t.id)
  state.cells.clear()
  const grid = document.getElementById('grid')
  const header = el('tr', {}, el('th', {}, 'token'))
  for (const node of state.nodes) header.append(el('th', { 'data-node': node, class: 'node' }))
  header.append(el('th', {}, 'ops/s'))
  grid.tHead.replaceChildren(header)
  const rows = snapshot.tokens.map((token) => {
    const row = el('tr', { 'data-token': token.id }, el('th', { scope: 'row' }, token.id))
    for (const node of state.nodes) row.append(el('td', { 'data-token': token.id, 'data-node': node }))
    row.append(el('td', { class: 'rate' }))
    return row
  })
  grid.tBodies[0].replaceChildren(...rows)
  fillSelects()
}

function fillSelects() {
  for (const select of document.querySelectorAll('.token-select'))
    select.replaceChildren(...state.tokens.map((id) => el('option', { value: id }, id)))
  for (const select of document.querySelectorAll('.node-select')) {
    const any = select.dataset.any === undefined ? [] : [el('option', { value: '' }, select.dataset.any)]
    select.replaceChildren(...any, ...state.nodes.map((node) => el('option', { value: node }, node)))
  }
}

function renderNodes(nodes) {
  for (const view of nodes) {
    const th = document.querySelector(`#grid thead th[data-node="${CSS.escape(view.node)}"]`)
    th.dataset.reachable = String(view.reachable)
    th.replaceChildren(view.node, el('br'), el('small', {}, view.reachable ? 'up' : `unreachable: ${view.error}`))
  }
}

function renderRow(token, nodes) {
  const row = document.querySelector(`#grid tbody tr[data-token="${CSS.escape(token.id)}"]`)
  for (const view of nodes) {
    const td = row.querySelector(`td[data-node="${CSS.escape(view.node)}"]`)
    const cell = token.cells[view.node]
    // Only a changed cell is redrawn: its button stays put under the pointer between snapshots.
    const key = JSON.stringify([cell, view.reachable])
    if (state.cells.get(td) === key) continue
    state.cells.set(td, key)
    renderCell(td, token.id, view, cell)
  }
  row.querySelector('td.rate').textContent = token.opsPerSec.toFixed(1)
}

function renderCell(td, token, view, cell) {
  td.className = cell === null ? 'cell empty' : `cell${cell.silent ? ' silent' : ''}`
  td.dataset.silent = String(cell?.silent ?? false)
  td.dataset.version = cell?.version ?? ''
  if (cell === null) {
    td.replaceChildren(view.reachable ? '–' : '?')
    return
  }
  const role = `${cell.writer ? 'W' : ''}${cell.reader ? 'R' : ''}`
  const parts = [
    el('b', { class: 'role' }, role),
    ` v${cell.version ?? '–'} `,
    el('span', { class: cell.committed ? 'yes' : 'no', title: 'committed' }, cell.committed ? '✓' : '…'),
  ]
  // Only a written value has a final argmin to compute.
  if (cell.value === 'written')
    parts.push(el('span', { class: cell.final ? 'yes' : 'no', title: 'final computed' }, cell.final ? ' f✓' : ' f…'))
  const lease = leaseText(cell)
  if (lease !== '') parts.push(el('div', { class: 'lease' }, lease))
  if (cell.recovering !== null)
    parts.push(el('div', { class: 'recovering' }, `recovering ${cell.recovering.ready}/${cell.recovering.others}`))
  if (cell.silent) parts.push(el('div', { class: 'silent-label' }, 'silent'))
  else parts.push(silenceButton(token, view.node))
  td.replaceChildren(...parts)
}

function leaseText(cell) {
  if (cell.leaseRemainingMs !== null) return `lease ${cell.leaseRemainingMs} ms`
  if (cell.leaseHolders.length > 0) return `holders ${cell.leaseHolders.map(shortNode).join(' ')}`
  return ''
}

/** A node's port when it has one: cells are narrow, and the header names the full address. */
function shortNode(node) {
  const colon = node.lastIndexOf(':')
  return colon < 0 ? node : `:${node.slice(colon + 1)}`
}

function silenceButton(token, node) {
  const button = el(
    'button',
    { type: 'button', class: 'silence', title: `silence ${node} for token ${token}` },
    'silence',
  )
  button.addEventListener('click', () => act('fail-silent', { token, node }))
  return button
}

/**
 * The "last operations with their traces" panel. `operations` is the snapshot's field: null while tm-web has no
 * feed for it (see src/bin/web/recent-operations.ts), else rows newest first, each with its trace's spans.
 */
function renderOperations(operations) {
  const note = document.getElementById('operations-note')
  const table = document.getElementById('operations-table')
  table.hidden = operations === null
  if (operations === null) {
    note.textContent = 'Not available: this tm-web has no source of recent operations and traces yet.'
    return
  }
  note.textContent = operations.length === 0 ? 'No operations yet.' : ''
  table.tBodies[0].replaceChildren(...operations.map(operationRow))
}

function operationRow(op) {
  const spans = el(
    'ul',
    { class: 'spans' },
    ...op.spans.map((s) => el('li', {}, `${s.name} @${s.node} ${s.durationMs} ms`)),
  )
  const started = new Date(op.startedAtMs).toLocaleTimeString()
  const cells = [started, op.token, op.kind, op.node, op.outcome, String(op.durationMs)]
  const trace = op.traceId === null ? '–' : op.traceId.slice(0, 8)
  const attributes = { 'data-token': op.token, 'data-kind': op.kind, 'data-spans': String(op.spans.length) }
  return el('tr', attributes, ...cells.map((text) => el('td', {}, text)), el('td', {}, trace, spans))
}

async function act(kind, body) {
  const entry = el('li', { 'data-action': kind, 'data-outcome': 'pending' }, `${kind} ${body.token}…`)
  const log = document.getElementById('result-log')
  log.prepend(entry)
  while (log.children.length > MAX_RESULTS) log.lastElementChild.remove()
  try {
    const response = await fetch(`/api/${kind}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    const outcome = await response.json()
    entry.dataset.outcome = outcome.ok ? 'ok' : 'error'
    entry.textContent = outcome.ok
      ? describe(kind, body, outcome.result)
      : `${kind} ${body.token ?? ''}: ${outcome.error.message}`
  } catch (error) {
    entry.dataset.outcome = 'error'
    entry.textContent = `${kind}: ${error}`
  }
}

function describe(kind, body, result) {
  if (kind === 'fail-silent') return `silenced ${result.node} for token ${body.token}`
  if (kind === 'write')
    return `wrote token ${body.token}: version ${result.version}, partial ${result.partial ?? '–'} (at ${result.servedBy})`
  if (!result.written) return `read token ${body.token}: not written (version ${result.version}, at ${result.servedBy})`
  return (
    `read token ${body.token}: name "${result.name}" [${result.low}, ${result.mid}, ${result.high}) ` +
    `version ${result.version}, final ${result.final ?? '–'} (at ${result.servedBy})`
  )
}

function formFields(form) {
  return Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== ''))
}

function bindForms() {
  const bind = (id, kind) =>
    document.getElementById(id).addEventListener('submit', (event) => {
      event.preventDefault()
      act(kind, formFields(event.target))
    })
  bind('write-form', 'write')
  bind('read-form', 'read')
  bind('silence-form', 'fail-silent')
}

bindForms()
connect()
