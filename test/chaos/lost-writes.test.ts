import test from 'ava'
import { type AckedWrite, countLostWrites, type FinalRead } from '../../src/tools/chaos/lost-writes.js'

const v = (seq: number, epoch = 1): { seq: bigint; epoch: bigint } => ({ seq: BigInt(seq), epoch: BigInt(epoch) })
const write = (token: string, value: string, version: { seq: bigint; epoch: bigint }): AckedWrite => ({
  token,
  expected: { kind: 'value', value },
  version,
})
const final = (token: string, value: string, version: { seq: bigint; epoch: bigint }): FinalRead => ({
  token,
  result: { kind: 'value', value },
  version,
})

test('acknowledged writes superseded by a later version or equal to the final value are kept', (t) => {
  const acked = [write('a', 'x1', v(1)), write('a', 'x2', v(2)), write('a', 'x3', v(3)), write('b', 'y1', v(1))]
  const result = countLostWrites(acked, [final('a', 'x3', v(3)), final('b', 'y9', v(7))])
  t.is(result.acked, 4)
  t.deepEqual(result.lost, [])
  t.deepEqual(result.unjudged, [])
})

test('an acknowledged write newer than the final read is lost', (t) => {
  const lostWrite = write('a', 'x3', v(3))
  const result = countLostWrites([write('a', 'x2', v(2)), lostWrite], [final('a', 'x2', v(2))])
  t.deepEqual(result.lost, [lostWrite])
})

test("the epoch orders writes of equal seq: a later incarnation's write supersedes, an earlier one does not", (t) => {
  t.deepEqual(countLostWrites([write('a', 'old', v(5, 1))], [final('a', 'new', v(5, 2))]).lost, [])
  t.is(countLostWrites([write('a', 'new', v(5, 2))], [final('a', 'old', v(5, 1))]).lost.length, 1)
})

test('another value under the version of an acknowledged write is a lost write', (t) => {
  t.is(countLostWrites([write('a', 'mine', v(4))], [final('a', 'other', v(4))]).lost.length, 1)
})

test('acknowledged creates and drops compare by their result: empty after a create', (t) => {
  const create: AckedWrite = { token: 'a', expected: { kind: 'empty' }, version: v(6) }
  t.deepEqual(countLostWrites([create], [{ token: 'a', result: { kind: 'empty' }, version: v(6) }]).lost, [])
  const drop: AckedWrite = { token: 'a', expected: { kind: 'not-found' }, version: v(6) }
  t.is(countLostWrites([drop], [{ token: 'a', result: { kind: 'empty' }, version: v(6) }]).lost.length, 1)
})

test('a token with acknowledged writes and no final read is reported unjudged, not silently kept', (t) => {
  const result = countLostWrites([write('a', 'x', v(1))], [])
  t.deepEqual(result.unjudged, ['a'])
  t.deepEqual(result.lost, [])
})
