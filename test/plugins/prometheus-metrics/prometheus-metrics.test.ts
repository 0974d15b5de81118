import 'reflect-metadata'
import test from 'ava'
import { Container } from 'inversify'
import { Metrics } from '../../../src/core/ports/metrics.js'
import type { NodeGauges } from '../../../src/core/ports/metrics.js'
import { MetricsServer, hostPortOf } from '../../../src/plugins/prometheus-metrics/metrics-server.js'
import { MAX_TOKEN_LABELS, PrometheusMetrics } from '../../../src/plugins/prometheus-metrics/prometheus-metrics.js'
import { prometheusMetricsModule } from '../../../src/plugins/prometheus-metrics/prometheus-metrics-module.js'

/**
 * Sample lines of an exposition by series, value as a number. prom-client orders labels differently per metric
 * type, so a series is keyed by its name and its labels sorted: look it up with `series()`.
 */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    const [, name, labels] = /^([^{]+)(?:\{(.*)\})?$/.exec(line.slice(0, space)) ?? []
    found.set(
      series(
        name,
        Object.fromEntries(
          (labels ?? '')
            .split(',')
            .filter((l) => l !== '')
            .map((l) => {
              const [key, value] = l.split('=')
              return [key, JSON.parse(value) as string]
            }),
        ),
      ),
      Number(line.slice(space + 1)),
    )
  }
  return found
}

/** The key of a series of node n1 unless `node` is given. */
function series(name: string, labels: Record<string, string> = {}): string {
  const all: Record<string, string> = { node: 'n1', ...labels }
  return `${name}{${Object.keys(all)
    .sort()
    .map((key) => `${key}=${all[key]}`)
    .join(',')}}`
}

/** The token ids of the scheme the test nodes run: the only values of the `token` label. */
const SCHEME_TOKENS = ['T', 'A', 'B', 'X']

async function scrape(metrics: PrometheusMetrics): Promise<Map<string, number>> {
  return samples(await metrics.text())
}

test('operations: counted per type, token and outcome; latency histogram per type and outcome', async (t) => {
  const metrics = new PrometheusMetrics('n1', SCHEME_TOKENS)
  metrics.operationDone('read', 'T', 'ok', 0.5)
  metrics.operationDone('read', 'T', 'ok', 3)
  metrics.operationDone('write', 'T', 'deadline-exceeded', 5000)
  const s = await scrape(metrics)
  t.is(s.get(series('tm_operations_total', { type: 'read', token: 'T', outcome: 'ok' })), 2)
  t.is(s.get(series('tm_operations_total', { type: 'write', token: 'T', outcome: 'deadline-exceeded' })), 1)
  const read = { type: 'read', outcome: 'ok' }
  t.is(s.get(series('tm_operation_duration_seconds_count', read)), 2)
  t.is(s.get(series('tm_operation_duration_seconds_bucket', { ...read, le: '0.0005' })), 1)
  t.is(s.get(series('tm_operation_duration_seconds_bucket', { ...read, le: '0.005' })), 2)
  t.is(s.get(series('tm_operation_duration_seconds_sum', { type: 'write', outcome: 'deadline-exceeded' })), 5)
  t.regex(await metrics.text(), /^tm_operations_total\{type="read",token="T",outcome="ok",node="n1"\} 2$/m)
})

test('labels come from closed sets: unknown tokens, outcomes and types are counted under _other', async (t) => {
  const metrics = new PrometheusMetrics('n1', SCHEME_TOKENS)
  const empty = (await metrics.text()).split('\n').length
  metrics.operationDone('read', 'T', 'ok', 1)
  const one = (await metrics.text()).split('\n').length
  for (let i = 0; i < 10_000; i++) {
    metrics.operationDone('read', `unknown-${i}`, 'not-found', 1)
    metrics.operationDone('read', 'T', `made-up-${i}`, 1)
    metrics.operationDone(`type-${i}` as 'read', 'T', 'ok', 1)
    metrics.roundDone({ token: `unknown-${i}`, phase: `phase-${i}` as 'learn', durationMs: 1 })
  }
  const text = await metrics.text()
  const s = samples(text)
  t.is(s.get(series('tm_operations_total', { type: 'read', token: '_other', outcome: 'not-found' })), 10_000)
  t.is(s.get(series('tm_operations_total', { type: 'read', token: 'T', outcome: '_other' })), 10_000)
  t.is(s.get(series('tm_operations_total', { type: '_other', token: 'T', outcome: 'ok' })), 10_000)
  t.is(s.get(series('tm_quorum_rounds_total', { phase: '_other', token: '_other' })), 10_000)
  t.notRegex(text, /unknown-|made-up-|type-|phase-/)
  // One series per new label combination: a few histograms and counters, not 40,000 lines.
  t.true(text.split('\n').length - one < 120, `${text.split('\n').length - one} lines added`)
  t.true(one > empty)
})

test('a node of many tokens labels the first 1000 in scheme order and counts the rest under _other', async (t) => {
  const tokens = Array.from({ length: 100_000 }, (_, i) => String(i + 1))
  const metrics = new PrometheusMetrics('n1', tokens)
  for (const token of tokens) {
    metrics.operationDone('write', token, 'ok', 1)
    metrics.roundDone({ token, phase: 'write', durationMs: 1 })
  }
  const text = await metrics.text()
  const s = samples(text)
  t.is(MAX_TOKEN_LABELS, 1000)
  t.is(s.get(series('tm_operations_total', { type: 'write', token: '1000', outcome: 'ok' })), 1)
  t.is(s.get(series('tm_operations_total', { type: 'write', token: '1001', outcome: 'ok' })), undefined)
  t.is(s.get(series('tm_operations_total', { type: 'write', token: '_other', outcome: 'ok' })), 99_000)
  t.is(s.get(series('tm_quorum_rounds_total', { phase: 'write', token: '_other' })), 99_000)
  const tokenSeries = [...s.keys()].filter((key) => key.includes('token=')).length
  t.is(tokenSeries, 2 * 1001, 'two series per labelled token and two for the rest')
})

test('quorum rounds: duration per phase, count per phase and token', async (t) => {
  const metrics = new PrometheusMetrics('n1', SCHEME_TOKENS)
  metrics.roundDone({ token: 'A', phase: 'learn', durationMs: 2 })
  metrics.roundDone({ token: 'A', phase: 'learn', durationMs: 4 })
  metrics.roundDone({ token: 'B', phase: 'impose', durationMs: 1 })
  const text = await metrics.text()
  const s = samples(text)
  t.is(s.get(series('tm_quorum_rounds_total', { phase: 'learn', token: 'A' })), 2)
  t.is(s.get(series('tm_quorum_rounds_total', { phase: 'impose', token: 'B' })), 1)
  t.is(s.get(series('tm_quorum_round_duration_seconds_count', { phase: 'learn' })), 2)
  t.is(s.get(series('tm_quorum_round_duration_seconds_sum', { phase: 'learn' })), 0.006)
  t.regex(text, /# TYPE tm_quorum_round_duration_seconds histogram/)
})

test('hashes: total, duration and an exponentially weighted rate', async (t) => {
  const metrics = new PrometheusMetrics('n1', SCHEME_TOKENS)
  t.is((await scrape(metrics)).get(series('tm_hash_rate')), 0, 'no rate before the first job')
  metrics.hashed(1000, 10) // 100 000 /s
  let s = await scrape(metrics)
  t.is(s.get(series('tm_hashes_total')), 1000)
  t.is(s.get(series('tm_hash_rate')), 100_000)
  metrics.hashed(2000, 10) // 200 000 /s, weighted 0.2
  metrics.hashed(0, 0)
  s = await scrape(metrics)
  t.is(s.get(series('tm_hashes_total')), 3000)
  t.is(s.get(series('tm_hash_duration_seconds_count')), 2)
  t.is(s.get(series('tm_hash_rate')), 120_000)
})

test('gauges are read through watch at each scrape', async (t) => {
  const metrics = new PrometheusMetrics('n1', SCHEME_TOKENS)
  let gauges: NodeGauges = {
    parkedRequests: 1,
    pendingOperations: 2,
    silentTokens: 0,
    recoveringTokens: 1,
    ignoredReplies: 5,
  }
  metrics.watch(() => gauges)
  let s = await scrape(metrics)
  t.is(s.get(series('tm_parked_requests')), 1)
  t.is(s.get(series('tm_pending_operations')), 2)
  t.is(s.get(series('tm_silent_tokens')), 0)
  t.is(s.get(series('tm_recovering_tokens')), 1)
  t.is(s.get(series('tm_ignored_replies_total')), 5)
  gauges = { parkedRequests: 0, pendingOperations: 7, silentTokens: 3, recoveringTokens: 0, ignoredReplies: 9 }
  s = await scrape(metrics)
  t.is(s.get(series('tm_parked_requests')), 0)
  t.is(s.get(series('tm_pending_operations')), 7)
  t.is(s.get(series('tm_silent_tokens')), 3)
  t.is(s.get(series('tm_ignored_replies_total')), 9)
  t.regex(await metrics.text(), /# TYPE tm_ignored_replies_total counter/)
})

test('never throws: bad observations and a failing watch callback', async (t) => {
  const metrics = new PrometheusMetrics('n1', SCHEME_TOKENS)
  t.notThrows(() => {
    metrics.operationDone('read', 'T', 'ok', NaN)
    metrics.roundDone({ token: 'T', phase: 'write', durationMs: -1 })
    metrics.hashed(-5, Infinity)
    metrics.hashed(NaN, 1)
    metrics.watch(() => {
      throw new Error('boom')
    })
  })
  const s = await scrape(metrics)
  t.is(s.get(series('tm_operation_duration_seconds_sum', { type: 'read', outcome: 'ok' })), 0)
  t.is(s.get(series('tm_hashes_total')), 0)
})

test('two instances do not share series; process metrics are collected', async (t) => {
  const one = new PrometheusMetrics('n1', SCHEME_TOKENS)
  const two = new PrometheusMetrics('n2', SCHEME_TOKENS)
  one.operationDone('drop', 'X', 'ok', 1)
  const first = await one.text()
  const second = await two.text()
  t.regex(first, /tm_operations_total\{type="drop",token="X",outcome="ok",node="n1"\} 1/)
  t.notRegex(second, /tm_operations_total\{/)
  t.notRegex(second, /node="n1"/)
  t.regex(second, /process_cpu_user_seconds_total\{node="n2"\}/)
})

test('MetricsServer serves /metrics and /healthz, 404 elsewhere, and stops', async (t) => {
  const metrics = new PrometheusMetrics('n1', SCHEME_TOKENS)
  metrics.operationDone('create', 'T', 'ok', 1)
  const server = new MetricsServer(metrics)
  const port = await server.start('127.0.0.1:0')
  t.true(port > 0)
  const base = `http://127.0.0.1:${port}`
  const scraped = await fetch(`${base}/metrics`)
  t.is(scraped.status, 200)
  t.is(scraped.headers.get('content-type'), metrics.registry.contentType)
  t.regex(await scraped.text(), /tm_operations_total\{type="create",token="T",outcome="ok",node="n1"\} 1/)
  const health = await fetch(`${base}/healthz`)
  t.is(health.status, 200)
  t.is((await health.text()).trim(), 'ok')
  const missing = await fetch(`${base}/nope`)
  t.is(missing.status, 404)
  await missing.text()
  await server.stop()
  await t.throwsAsync(fetch(`${base}/healthz`))
  await server.stop() // idempotent
})

test('MetricsServer addresses: host:port and [ipv6]:port, port 0 allowed, junk rejected', (t) => {
  t.deepEqual(hostPortOf('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 })
  t.deepEqual(hostPortOf('[::1]:0'), { host: '::1', port: 0 })
  t.deepEqual(hostPortOf('localhost:80'), { host: 'localhost', port: 80 })
  for (const bad of ['9464', ':9464', '127.0.0.1:', '127.0.0.1:70000', '::1:9464'])
    t.throws(() => hostPortOf(bad), undefined, bad)
})

test('the module binds Metrics and PrometheusMetrics to one instance for the node', async (t) => {
  const container = new Container()
  await container.load(prometheusMetricsModule('n7', SCHEME_TOKENS))
  const metrics = container.get<Metrics>(Metrics)
  t.true(metrics instanceof PrometheusMetrics)
  t.is(container.get(PrometheusMetrics) as Metrics, metrics)
  t.regex(await container.get(PrometheusMetrics).text(), /node="n7"/)
})

test('group commits: sync duration, entries and saves per synced write', async (t) => {
  const metrics = new PrometheusMetrics('n1', SCHEME_TOKENS)
  metrics.synced({ saves: 12, entries: 9, bytes: 2700, syncMs: 0.8 })
  metrics.synced({ saves: 1, entries: 1, bytes: 300, syncMs: 3 })
  const s = await scrape(metrics)
  t.is(s.get(series('tm_persist_sync_duration_seconds_count')), 2)
  t.is(s.get(series('tm_persist_sync_duration_seconds_sum')), 0.0038)
  t.is(s.get(series('tm_persist_batch_entries_sum')), 10)
  t.is(s.get(series('tm_persist_batch_saves_sum')), 13)
  t.is(s.get(series('tm_persist_batch_saves_bucket', { le: '8' })), 1, 'one write carried 8 saves or fewer')
})
