import test from 'ava'
import { Writable } from 'node:stream'
import type { TokenStatus } from '../../src/core/protocol/register-node.js'
import { NodeLogger } from '../../src/plugins/grpc/node-logger.js'
import { MAX_RECOVERY_IDS, RecoveryLog } from '../../src/node/recovery-log.js'

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

/** Tokens `from`..`from + count - 1`. */
function ids(count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => String(from + i))
}

const statusOf = (token: string): TokenStatus => ({
  token,
  roles: ['reader'],
  state: undefined,
  silent: false,
  pending: 0,
  replicas: 3,
  readQuorum: 2,
  writeQuorum: 2,
  recovering: { answered: 0, ready: 0, others: 2 },
  committed: true,
  finalComputed: false,
  operations: 0,
})

test('a few tokens starting and ending recovery get one line each, with their progress', (t) => {
  const { logger, events } = capture()
  const log = new RecoveryLog(logger)
  t.true(log.quiet)
  log.update(ids(3), statusOf)
  t.false(log.quiet)
  t.deepEqual(
    events.map((e) => [e.level, e.token, e.others]),
    [
      ['warn', '1', 2],
      ['warn', '2', 2],
      ['warn', '3', 2],
    ],
  )
  log.update(ids(3), statusOf)
  t.is(events.length, 3, 'nothing new, nothing logged')
  log.update([], statusOf)
  t.deepEqual(
    events.slice(3).map((e) => [e.msg, e.token]),
    [
      ['token recovered', '1'],
      ['token recovered', '2'],
      ['token recovered', '3'],
    ],
  )
  t.true(log.quiet)
})

test('10^5 tokens starting and ending recovery get one line each way, naming the first ten and the count', (t) => {
  const { logger, events } = capture()
  const log = new RecoveryLog(logger)
  let asked = 0
  const counted = (token: string): TokenStatus => {
    asked++
    return statusOf(token)
  }
  log.update(ids(100_000), counted)
  t.is(events.length, 1)
  t.regex(events[0].msg, /^tokens recovering: /)
  t.is(events[0].count, 100_000)
  t.deepEqual(events[0].tokens, ids(MAX_RECOVERY_IDS))
  t.is(asked, 0, "no token's status is read for a summary line")
  log.update(ids(50_000, 50_001), counted)
  log.update([], counted)
  t.deepEqual(
    events.slice(1).map((e) => [e.msg, e.count, e.tokens[0]]),
    [
      ['tokens recovered', 50_000, '1'],
      ['tokens recovered', 50_000, '50001'],
    ],
  )
  t.true(log.quiet)
})
