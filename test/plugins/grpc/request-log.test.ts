import test from 'ava'
import { Writable } from 'node:stream'
import { NotFoundError } from '../../../src/core/errors.js'
import type { TokenStatus } from '../../../src/core/protocol/register-node.js'
import { LogBudget } from '../../../src/plugins/grpc/log-budget.js'
import { logText } from '../../../src/plugins/grpc/log-text.js'
import { NodeLogger } from '../../../src/plugins/grpc/node-logger.js'
import {
  MAX_LISTED_TOKENS,
  REQUEST_LOG_LIMITS,
  RequestLog,
  type RequestLogView,
} from '../../../src/plugins/grpc/request-log.js'

/** A NodeLogger writing parsed JSON events into an array. */
function capture(): { logger: NodeLogger; events: any[] } {
  const events: any[] = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) events.push(JSON.parse(line))
      done()
    },
  })
  return { logger: new NodeLogger('info', { destination, pretty: false }), events }
}

/** Every string inside a parsed log event, keys included. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsOf(inner)])
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

test('logText escapes control characters and bidirectional overrides so that they show as text', (t) => {
  t.is(logText('a\u001b[31mb\nc\u202ed\u0000', 100), 'a\\x1b[31mb\\x0ac\\u202ed\\x00')
  t.is(logText('plain id-1', 100), 'plain id-1')
  t.false(CONTROL.test(logText('\u0085\u2028\u2066\u007f', 100)))
})

test('logText cuts long strings, says how long they were, and never splits a surrogate pair', (t) => {
  t.is(logText('x'.repeat(100_000), 10), 'xxxxxxxxxx...(100000 chars)')
  t.is(logText('\u001b'.repeat(50), 12), '\\x1b\\x1b\\x1b...(50 chars)')
  const cut = logText('a😀😀', 2)
  t.is(cut, 'a...(5 chars)')
  t.false(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(cut))
})

test('LogBudget allows a bounded number of lines per window and reports how many it suppressed', (t) => {
  let nowMs = 0
  const reports: number[] = []
  const budget = new LogBudget({
    linesPerWindow: 3,
    windowMs: 1000,
    nowMs: () => nowMs,
    onSuppressed: (n) => reports.push(n),
  })
  const taken = Array.from({ length: 10 }, () => budget.take())
  t.deepEqual(taken, [true, true, true, false, false, false, false, false, false, false])
  t.deepEqual(reports, [])
  nowMs = 1000
  t.true(budget.take(), 'a new window has room again')
  t.deepEqual(reports, [7], 'the finished window reports its suppressed lines')
  budget.take()
  budget.take()
  t.false(budget.take())
  budget.flush()
  t.deepEqual(reports, [7, 1], 'flush reports what the current window suppressed')
  budget.flush()
  t.deepEqual(reports, [7, 1], 'nothing twice')
})

test('LogBudget reports a suppressed count from its timer when no later line comes', async (t) => {
  const reports: number[] = []
  const budget = new LogBudget({ linesPerWindow: 1, windowMs: 50, onSuppressed: (n) => reports.push(n) })
  for (let i = 0; i < 5; i++) budget.take()
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.deepEqual(reports, [4])
})

const STATUS: TokenStatus[] = [
  {
    token: 'T',
    roles: ['writer'],
    silent: false,
    pending: 0,
    replicas: 1,
    readQuorum: 1,
    writeQuorum: 1,
    committed: true,
    finalComputed: false,
    operations: 0,
    state: {
      ts: { seq: 3n, epoch: 1n } as any,
      value: {
        kind: 'token',
        token: {
          name: `\u001b]0;pwned\u0007${'n'.repeat(4000)}`,
          low: 0n,
          mid: 1n,
          high: 2n,
          partial: { nonce: 0n, hash: 5n },
          final: undefined,
        },
      },
    },
  },
]

const VIEW: RequestLogView = { tokens: ['T'], status: (id) => STATUS.find((s) => s.token === id) }

test('RequestLog: 10,000 refused requests with huge odd ids give a bounded number of short, escaped lines', (t) => {
  const { logger, events } = capture()
  let nowMs = 0
  const log = new RequestLog(logger, REQUEST_LOG_LIMITS, () => nowMs)
  for (let i = 0; i < 10_000; i++) {
    const id = `\u001b[2J${i}\n${'z'.repeat(250)}`
    log.request('Read', id, VIEW, new NotFoundError(`token ${id} is not in the replication scheme`))
    if (i % 1000 === 999) nowMs += 1000
  }
  log.flush()
  const lines = events.filter((e) => e.msg.startsWith('Read '))
  const notes = events.filter((e) => e.suppressed !== undefined)
  t.is(lines.length, 10 * REQUEST_LOG_LIMITS.refusedPerWindow)
  t.is(
    notes.reduce((sum, e) => sum + e.suppressed, 0),
    10_000 - lines.length,
    'every suppressed line is counted',
  )
  for (const event of events) {
    t.false(
      stringsOf(event).some((text) => CONTROL.test(text)),
      event.msg,
    )
    t.true(event.msg.length <= 400, `${event.msg.length} chars`)
  }
})

test('RequestLog: a served request logs the token state with its name cut and escaped', (t) => {
  const { logger, events } = capture()
  new RequestLog(logger).request('Write', 'T', VIEW)
  t.is(events.length, 1)
  t.is(events[0].msg, 'Write T ok')
  t.like(events[0].token, { version: '3', low: '0', mid: '1', high: '2', partial: '0', final: null })
  t.true(events[0].token.name.startsWith('\\x1b]0;pwned\\x07nnn'))
  t.true(events[0].token.name.length < 300)
  t.deepEqual(events[0].tokens, ['T'])
})

test('RequestLog: served requests have their own budget, so refusals cannot hide them', (t) => {
  const { logger, events } = capture()
  const log = new RequestLog(logger, REQUEST_LOG_LIMITS, () => 0)
  for (let i = 0; i < 1000; i++) log.request('Read', `u${i}`, VIEW, new NotFoundError('no'))
  log.request('Read', 'T', VIEW)
  t.is(events.filter((e) => e.msg === 'Read T ok').length, 1)
  t.is(events.length, REQUEST_LOG_LIMITS.refusedPerWindow + 1)
})

test("RequestLog: a node of many tokens lists the first 100 ids and how many it left out, and reads one token's status", (t) => {
  const { logger, events } = capture()
  const tokens = Array.from({ length: 250 }, (_, i) => String(i + 1))
  const asked: string[] = []
  const view: RequestLogView = {
    tokens,
    status: (id) => {
      asked.push(id)
      return undefined
    },
  }
  new RequestLog(logger).request('Read', '7', view)
  t.deepEqual(asked, ['7'])
  t.is(events.length, 1)
  t.deepEqual(events[0].tokens, tokens.slice(0, MAX_LISTED_TOKENS))
  t.is(events[0].tokensNotListed, 150)
  new RequestLog(logger).request('Read', '7', { tokens: tokens.slice(0, 100), status: () => undefined })
  t.is(events[1].tokens.length, 100)
  t.false('tokensNotListed' in events[1], 'a node of 100 tokens lists them all')
})
