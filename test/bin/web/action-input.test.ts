import test from 'ava'
import { ActionInputError, parseAction, parseUint64 } from '../../../src/bin/web/action-input.js'
import { ReplicationScheme } from '../../../src/core/scheme/replication-scheme.js'

const scheme = new ReplicationScheme([{ token: 't-1', writer: 'a:1', readers: ['b:1', 'c:1'] }])
const refused = (kind: string, body: unknown, message: RegExp) => (t: any) =>
  t.throws(() => parseAction(kind, body, scheme), { instanceOf: ActionInputError, message })

test('a write parses uint64 bounds as bigint, past 2^53 exactly', (t) => {
  const action = parseAction(
    'write',
    { token: 't-1', name: 'n', low: '9007199254740993', mid: '9007199254740994', high: '18446744073709551615' },
    scheme,
  )
  t.deepEqual(action, {
    kind: 'write',
    token: 't-1',
    name: 'n',
    low: 9007199254740993n,
    mid: 9007199254740994n,
    high: 2n ** 64n - 1n,
  })
})

test('uint64 fields must be decimal strings within 0..2^64-1', (t) => {
  t.is(parseUint64('0', 'low'), 0n)
  for (const bad of [7, '-1', '1e3', '0x10', ' 1', '', '18446744073709551616', '1'.repeat(21), null]) {
    t.throws(() => parseUint64(bad, 'low'), { instanceOf: ActionInputError }, String(bad))
  }
})

test(
  'a write with an empty or reversed domain is refused',
  refused('write', { token: 't-1', name: 'n', low: '5', mid: '5', high: '5' }, /low <= mid < high/),
)
test(
  'a name past 4096 bytes of UTF-8 is refused',
  refused('write', { token: 't-1', name: 'é'.repeat(2049), low: '0', mid: '0', high: '1' }, /4096 bytes/),
)
test('a token outside the scheme is refused', refused('read', { token: 'other' }, /not in the replication scheme/))
test(
  'a malformed token id is refused before the scheme is asked',
  refused('read', { token: '<script>' }, /letters, digits/),
)
test(
  "silence names one of the token's replicas",
  refused('fail-silent', { token: 't-1', node: 'z:9' }, /replicas: a:1, b:1, c:1/),
)
test(
  "a read at a node names one of the token's readers",
  refused('read', { token: 't-1', node: 'a:1' }, /readers: b:1, c:1/),
)
test('an unknown action is refused', refused('drop', { token: 't-1' }, /unknown action/))
test('a body that is not a JSON object is refused', refused('read', ['t-1'], /JSON object/))

test('a read without a node leaves the choice of reader to the library', (t) => {
  t.deepEqual(parseAction('read', { token: 't-1' }, scheme), { kind: 'read', token: 't-1', node: undefined })
  t.deepEqual(parseAction('fail-silent', { token: 't-1', node: 'a:1' }, scheme), {
    kind: 'fail-silent',
    token: 't-1',
    node: 'a:1',
  })
})
