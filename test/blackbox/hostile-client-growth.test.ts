import * as grpc from '@grpc/grpc-js'
import test from 'ava'
import { readFileSync } from 'node:fs'
import { loadTokenManagerPackage } from '../../src/plugins/grpc/proto.js'
import { REQUEST_LOG_LIMITS } from '../../src/plugins/grpc/request-log.js'
import { freeAddresses } from '../support/free-port.js'
import { ProcessCluster } from '../support/process-cluster.js'

/**
 * A client that sends nothing but requests the node must refuse (unknown ids, odd and huge names, control
 * characters) must not grow the node: not its metric series, not its log, not its memory. Before the bounds, each
 * unknown id added a metric series and a log line, and 20,000 of them grew /metrics from 26 KB to 3.9 MB.
 */

const HOSTILE_CALLS = Number(process.env.HOSTILE_CALLS ?? 20_000)
/** Calls in flight at once: enough to keep the node busy, few enough not to measure the client's own backlog. */
const IN_FLIGHT = 64

let cluster: ProcessCluster
let metricsUrl: string
let client: grpc.Client

test.before(async () => {
  const [metricsAddress] = await freeAddresses(1)
  metricsUrl = `http://${metricsAddress}/metrics`
  cluster = await ProcessCluster.create(
    1,
    [{ token: 'T', writer: 0, readers: [0] }],
    `metricsAddress: ${metricsAddress}\nlogLevel: info\n`,
  )
  await cluster.start(0, ['--settings', `${cluster.dir}/settings.yaml`])
  client = new (loadTokenManagerPackage().TokenService)(cluster.addresses[0]!, grpc.credentials.createInsecure())
})

test.after.always(async () => {
  client?.close()
  await cluster?.stop()
})

function call(method: string, request: object): Promise<grpc.ServiceError | undefined> {
  return new Promise((resolve) => {
    ;(client as any)[method](request, { deadline: Date.now() + 10_000 }, (error: grpc.ServiceError | null) =>
      resolve(error ?? undefined),
    )
  })
}

/** The i-th hostile request: each id and name is new, so a per-id series or entry would grow with i. */
function hostile(i: number): { method: string; request: object } {
  const odd = `\u001b[31m${i}\n\r\u0000\u202e`
  switch (i % 5) {
    case 0:
      return { method: 'Read', request: { id: `unknown-${i}-${'r'.repeat(200)}${odd}` } }
    case 1:
      return {
        method: 'Write',
        request: { id: `w${i}${odd}`, name: `${i}`.padEnd(4000, 'n'), low: '0', mid: '1', high: '2' },
      }
    case 2:
      return {
        method: 'Write',
        request: { id: 'T', name: `${odd}${i}`.padEnd(6000, 'x'), low: '0', mid: '1', high: '2' },
      }
    case 3:
      return { method: i % 2 === 0 ? 'Create' : 'Drop', request: { id: `c${i}${odd}`.padEnd(256, 'c') } }
    default:
      return { method: 'Read', request: { id: `${i}`.padEnd(20_000, 'z') } }
  }
}

/** Sends hostile requests first..first+count-1, IN_FLIGHT at a time; counts the status codes answered. */
async function flood(first: number, count: number): Promise<Map<number, number>> {
  const codes = new Map<number, number>()
  let next = first
  const worker = async (): Promise<void> => {
    while (next < first + count) {
      const { method, request } = hostile(next++)
      const error = await call(method, request)
      const code = error?.code ?? grpc.status.OK
      codes.set(code, (codes.get(code) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  return codes
}

interface Footprint {
  metricsBytes: number
  series: number
  logLines: number
  longestLogLine: number
  rssBytes: number
  heapBytes: number
}

async function footprint(): Promise<Footprint> {
  const text = await (await fetch(metricsUrl)).text()
  const node = cluster.nodes.get(cluster.addresses[0]!)!
  const lines = node.lines
  const pid = node.pid
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])
  const heap = /^nodejs_heap_size_used_bytes\{[^}]*\} (\S+)$/m.exec(text)
  return {
    metricsBytes: text.length,
    series: text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
    // All lines seen, not the kept tail: a tail at its bound would hide growth.
    logLines: node.output.count,
    longestLogLine: Math.max(0, ...lines.map((l) => l.length)),
    rssBytes: rssKb * 1024,
    heapBytes: Number(heap![1]),
  }
}

const MB = 1024 * 1024

test.serial(
  '20,000 refused requests with new ids and huge names leave metrics, logs and memory within a bound',
  async (t) => {
    // Warm up every code path first, so the baseline already holds the series and buffers a refusal needs.
    await flood(0, 2_000)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const before = await footprint()
    const startedMs = performance.now()
    const codes = await flood(2_000, HOSTILE_CALLS)
    const seconds = (performance.now() - startedMs) / 1000
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const after = await footprint()
    t.log(`${HOSTILE_CALLS} calls in ${seconds.toFixed(1)} s, codes ${JSON.stringify(Object.fromEntries(codes))}`)
    t.log(`before ${JSON.stringify(before)}`)
    t.log(`after  ${JSON.stringify(after)}`)
    t.is(codes.get(grpc.status.OK), undefined, 'every hostile request is refused')
    t.true(after.series - before.series <= 50, `metric series grew by ${after.series - before.series}`)
    t.true(
      after.metricsBytes - before.metricsBytes <= 8 * 1024,
      `/metrics grew by ${after.metricsBytes - before.metricsBytes} bytes`,
    )
    // A budget of lines per window, plus a line per window saying how many were suppressed.
    const allowedLines =
      (Math.ceil((seconds * 1000) / REQUEST_LOG_LIMITS.windowMs) + 2) * (REQUEST_LOG_LIMITS.refusedPerWindow + 1)
    const logLines = after.logLines - before.logLines
    t.true(
      logLines <= allowedLines,
      `${logLines} log lines for ${HOSTILE_CALLS} refusals in ${seconds.toFixed(1)} s (bound ${allowedLines})`,
    )
    t.true(after.longestLogLine <= 2_000, `longest log line ${after.longestLogLine} characters`)
    // Loose: the heap in use swings by +-20 MB with the garbage collector's timing (60,000 refusals have ended
    // with a smaller heap than they began with), so these catch only gross growth. The unbounded version grew its
    // heap by about 20 MB and its RSS by 60-94 MB here; the series and size checks above are the sharp ones.
    t.true(
      after.heapBytes - before.heapBytes <= 48 * MB,
      `heap grew by ${((after.heapBytes - before.heapBytes) / MB).toFixed(1)} MB`,
    )
    t.true(
      after.rssBytes - before.rssBytes <= 64 * MB,
      `RSS grew by ${((after.rssBytes - before.rssBytes) / MB).toFixed(1)} MB`,
    )
  },
)

/** Every string inside a parsed log event, keys included. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsOf(inner)])
}

/** C0 and C1 controls, and the bidirectional overrides that reorder what a terminal shows. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

test.serial('log lines about refused requests carry no control characters and no unbounded client strings', (t) => {
  const lines = cluster.logs.get(cluster.addresses[0]!)!
  t.true(lines.length > 0)
  for (const line of lines) {
    const event = JSON.parse(line) as { msg: string }
    const raw = stringsOf(event).find((text) => CONTROL.test(text))
    t.is(raw, undefined, `a control character in: ${line.slice(0, 200)}`)
    t.true(event.msg.length <= 600, `a message of ${event.msg.length} characters: ${event.msg.slice(0, 200)}`)
  }
})
