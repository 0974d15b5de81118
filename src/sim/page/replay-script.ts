/**
 * The replay page's script, plain ES2017 run as it is (no build step). It reads the run from the JSON data script
 * and draws every step from it; all text goes in through textContent, never as markup.
 */
export const REPLAY_SCRIPT = `
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var MAX_ARROWS = 60;
  var MAX_LISTED = 200;
  var data = JSON.parse(document.getElementById('replay-data').textContent);
  var steps = data.steps;
  var last = steps.length - 1;
  var current = -1;
  var playing = null;

  function el(tag, attrs, text) {
    var node = tag.indexOf('svg:') === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, String(attrs[name]));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function $(id) { return document.getElementById(id); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // Cells and suspended nodes at every step, rebuilt once from the per-step changes.
  var cellsAt = [];
  var suspendedAt = [];
  (function () {
    var cells = {};
    var suspended = {};
    steps.forEach(function (step) {
      cells = Object.assign({}, cells, step.cells);
      step.events.forEach(function (e) {
        if (e.kind === 'suspend' || e.kind === 'resume') {
          suspended = Object.assign({}, suspended);
          suspended[e.node] = e.kind === 'suspend';
        }
      });
      cellsAt.push(cells);
      suspendedAt.push(suspended);
    });
  })();
  var opsById = {};
  data.operations.forEach(function (op) { opsById[op.id] = op; });
  var highlighted = {};
  var cx = data.counterexample;
  data.tokens.forEach(function (t) {
    (t.counterexample || []).forEach(function (id) { highlighted[id] = true; });
  });

  function header() {
    $('title').textContent = data.title;
    var verdict = $('verdict');
    verdict.textContent = data.verdict === 'violation' ? 'not linearizable' : data.verdict;
    verdict.className = 'verdict-' + data.verdict;
    $('summary').textContent = data.summary;
    if (data.truncated) {
      var note = $('truncated');
      note.hidden = false;
      note.textContent = 'The recording stops after ' + data.maxSteps + ' steps; the run went on (its operations ' +
        'and verdict are complete, later steps are not shown).';
    }
    $('slider').max = String(last);
  }

  function renderEvents(step) {
    var list = $('events');
    clear(list);
    step.events.forEach(function (e) { list.appendChild(el('li', { class: 'ev-' + e.kind }, e.text)); });
  }

  function inFlight(s) {
    return data.messages.filter(function (m) {
      return m.sentStep <= s && (m.endStep === undefined || m.endStep > s);
    });
  }

  function positions() {
    var at = {};
    var n = data.nodes.length;
    data.nodes.forEach(function (node, i) {
      var angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
      at[node] = { x: 180 + 130 * Math.cos(angle), y: 150 + 115 * Math.sin(angle) };
    });
    return at;
  }
  var nodeAt = positions();

  function renderNetwork(s, flying) {
    var svg = $('network');
    clear(svg);
    var defs = el('svg:defs');
    var marker = el('svg:marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6,
      markerHeight: 6, orient: 'auto-start-reverse' });
    marker.appendChild(el('svg:path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8c959f' }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    var nowMs = steps[s].atMs;
    flying.slice(0, MAX_ARROWS).forEach(function (m) {
      var from = nodeAt[m.from] || { x: 180, y: 150 };
      var to = nodeAt[m.to];
      if (!to) return;
      var g = el('svg:g', { class: 'msg' });
      g.appendChild(el('svg:line', { x1: from.x, y1: from.y, x2: to.x, y2: to.y }));
      var span = m.dueMs - m.sentMs;
      var p = span > 0 ? Math.min(1, Math.max(0, (nowMs - m.sentMs) / span)) : 1;
      g.appendChild(el('svg:circle', { cx: from.x + p * (to.x - from.x), cy: from.y + p * (to.y - from.y), r: 3 }));
      g.appendChild(el('svg:title', {}, m.label + ' ' + m.from + ' \\u2192 ' + m.to));
      svg.appendChild(g);
    });
    data.nodes.forEach(function (node) {
      var g = el('svg:g', { class: 'node' + (suspendedAt[s][node] ? ' suspended' : '') });
      g.appendChild(el('svg:circle', { cx: nodeAt[node].x, cy: nodeAt[node].y, r: 22 }));
      g.appendChild(el('svg:text', { x: nodeAt[node].x, y: nodeAt[node].y + 4 }, node.split(':')[0].split('.').pop()));
      g.appendChild(el('svg:title', {}, node));
      svg.appendChild(g);
    });
  }

  function renderFlight(flying) {
    var list = $('in-flight');
    clear(list);
    $('flight-count').textContent = String(flying.length);
    flying.slice(0, MAX_LISTED).forEach(function (m) {
      list.appendChild(el('li', {}, m.label + '  ' + m.from + ' \\u2192 ' + m.to + '  (due ' + m.dueMs + ' ms)'));
    });
    if (flying.length > MAX_LISTED) list.appendChild(el('li', {}, '... and ' + (flying.length - MAX_LISTED) + ' more'));
  }

  function renderNodes(s) {
    var box = $('nodes');
    clear(box);
    var cells = cellsAt[s];
    var changed = steps[s].cells;
    data.nodes.forEach(function (node) {
      var div = el('div', { class: 'node-box' + (suspendedAt[s][node] ? ' suspended' : ''), 'data-node': node });
      div.appendChild(el('h3', {}, node + (suspendedAt[s][node] ? ' (suspended)' : '')));
      var table = el('table');
      var head = el('tr');
      ['token', 'version', 'value', 'state'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
      table.appendChild(head);
      data.tokens.forEach(function (t) {
        var key = node + '|' + t.token;
        var cell = cells[key];
        if (!cell) return;
        var flags = [];
        if (cell.final) flags.push('final');
        if (cell.recovering) flags.push('recovering ' + cell.recovering);
        if (cell.silent) flags.push('silent');
        if (cell.pending) flags.push(cell.pending + ' pending');
        var tr = el('tr', { 'data-token': t.token, class: (changed[key] && s > 0 ? 'changed ' : '') +
          (cell.silent ? 'silent' : '') });
        [t.token, cell.ts, cell.value, flags.join(', ')].forEach(function (v) { tr.appendChild(el('td', {}, v)); });
        table.appendChild(tr);
      });
      div.appendChild(table);
      box.appendChild(div);
    });
  }

  // The client timeline: one lane per client, a bar per operation from its invocation's step to its return's.
  // Steps, not milliseconds: a long timeout would squeeze everything else into a corner, and order is what counts.
  var lanes = Array.from(new Set(data.operations.map(function (o) { return o.client; }))).sort(function (a, b) {
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  });
  var WIDTH = 1000;
  var LEFT = 40;
  var x = function (s) { return LEFT + ((WIDTH - LEFT - 10) * s) / Math.max(1, last); };
  var opNodes = [];
  var cursor;

  function buildTimeline() {
    var svg = $('timeline');
    var height = 24 * lanes.length + 24;
    svg.setAttribute('viewBox', '0 0 ' + WIDTH + ' ' + height);
    lanes.forEach(function (lane, i) { svg.appendChild(el('svg:text', { x: 4, y: 24 * i + 16 }, lane)); });
    data.operations.forEach(function (o) {
      if (o.invokeStep === undefined) return;
      var kind = o.label.indexOf('read') === 0 ? 'read' : o.label.indexOf('write') === 0 ? 'write' : 'other';
      var g = el('svg:g', { class: 'op ' + o.outcome + ' ' + kind + (highlighted[o.id] ? ' highlight' : '') +
        (cx && cx.blocked === o.id ? ' blocked' : ''), 'data-op': o.id });
      var x1 = x(o.invokeStep);
      var x2 = x(o.completeStep === undefined ? last : o.completeStep);
      var lane = lanes.indexOf(o.client);
      g.appendChild(el('svg:rect', { x: x1, y: 24 * lane + 4, width: Math.max(3, x2 - x1), height: 16 }));
      g.appendChild(el('svg:title', {}, '#' + o.id + ' ' + o.label + ' on ' + o.token + ' at ' + o.node + ' [' +
        o.invokeMs + ', ' + (o.returnMs === undefined ? '?' : o.returnMs) + '] ms -> ' + o.result));
      if (x2 - x1 > 26) g.appendChild(el('svg:text', { x: x1 + 3, y: 24 * lane + 16 }, '#' + o.id));
      g.addEventListener('click', function () { go(o.completeStep !== undefined ? o.completeStep : o.invokeStep); });
      svg.appendChild(g);
      opNodes.push({ op: o, g: g });
    });
    cursor = el('svg:line', { class: 'cursor', x1: 0, x2: 0, y1: 0, y2: height });
    svg.appendChild(cursor);
    svg.appendChild(el('svg:text', { x: WIDTH - 10, y: height - 4, 'text-anchor': 'end' }, 'step ' + last));
  }

  function renderTimeline(s) {
    var involved = {};
    steps[s].events.forEach(function (e) { if (e.op !== undefined) involved[e.op] = true; });
    opNodes.forEach(function (entry) {
      entry.g.classList.toggle('future', entry.op.invokeStep > s);
      entry.g.classList.toggle('current', !!involved[entry.op.id]);
    });
    cursor.setAttribute('x1', x(s));
    cursor.setAttribute('x2', x(s));
  }

  function buildOrder() {
    var box = $('linearization');
    if (cx) box.appendChild(el('pre', { class: 'counterexample' }, cx.message));
    data.tokens.forEach(function (t) {
      var verdict = t.verdict === 'violation' ? 'not linearizable' : t.verdict;
      box.appendChild(el('h3', {}, t.token + ' (writer ' + t.writer + '): ' + verdict));
      var ids = t.linearization || t.counterexample || [];
      var chips = el('div', { class: 'chips', 'data-token': t.token });
      ids.forEach(function (id) {
        var o = opsById[id];
        var chip = el('span', { class: 'chip' + (highlighted[id] ? ' highlight' : ''), 'data-op': id },
          '#' + id + ' ' + o.label + ' \\u2192 ' + o.result);
        chip.addEventListener('click', function () { go(o.completeStep !== undefined ? o.completeStep : 0); });
        chips.appendChild(chip);
      });
      if (ids.length === 0) chips.appendChild(el('span', {}, 'no operations'));
      box.appendChild(chips);
    });
  }

  function renderOrder(s) {
    var chips = document.querySelectorAll('#linearization .chip');
    for (var i = 0; i < chips.length; i++) {
      var o = opsById[chips[i].getAttribute('data-op')];
      chips[i].classList.toggle('future', o.completeStep === undefined || o.completeStep > s);
    }
  }

  function go(s) {
    s = Math.max(0, Math.min(last, s | 0));
    if (s === current) return;
    current = s;
    var step = steps[s];
    $('step-counter').textContent = 'step ' + s + ' / ' + last;
    $('step-time').textContent = 't = ' + step.atMs.toFixed(3) + ' ms';
    $('slider').value = String(s);
    document.body.setAttribute('data-step', String(s));
    renderEvents(step);
    var flying = inFlight(s);
    renderNetwork(s, flying);
    renderFlight(flying);
    renderNodes(s);
    renderTimeline(s);
    renderOrder(s);
    if (location.hash !== '#step=' + s) history.replaceState(null, '', '#step=' + s);
  }

  function hashStep() {
    var match = /step=(\\d+)/.exec(location.hash);
    return match ? Number(match[1]) : undefined;
  }

  function setPlaying(on) {
    if (playing !== null) clearTimeout(playing);
    playing = null;
    $('play').textContent = on ? '\\u275a\\u275a pause' : '\\u25b6 play';
    document.body.setAttribute('data-playing', on ? 'yes' : 'no');
    if (!on) return;
    var tick = function () {
      if (current >= last) return setPlaying(false);
      go(current + 1);
      playing = setTimeout(tick, 150);
    };
    playing = setTimeout(tick, 150);
  }

  function controls() {
    $('back').addEventListener('click', function () { setPlaying(false); go(current - 1); });
    $('forward').addEventListener('click', function () { setPlaying(false); go(current + 1); });
    $('play').addEventListener('click', function () { setPlaying(playing === null); });
    $('slider').addEventListener('input', function () { go(Number($('slider').value)); });
    window.addEventListener('hashchange', function () {
      var s = hashStep();
      if (s !== undefined) go(s);
    });
    document.addEventListener('keydown', function (e) {
      if (e.target && e.target.tagName === 'INPUT') return;
      if (e.key === 'ArrowRight') go(current + 1);
      else if (e.key === 'ArrowLeft') go(current - 1);
      else if (e.key === 'Home') go(0);
      else if (e.key === 'End') go(last);
      else if (e.key === ' ') setPlaying(playing === null);
      else return;
      e.preventDefault();
    });
  }

  header();
  buildTimeline();
  buildOrder();
  controls();
  var fromHash = hashStep();
  go(fromHash !== undefined ? fromHash : data.initialStep);
  setPlaying(false);
})();
`
