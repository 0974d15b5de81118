import test from 'ava'
import fc from 'fast-check'
import { checkLinearizability } from '../../../src/core/checker/linearizability-checker.js'
import { HistoryBuilder } from '../../../src/core/checker/history-builder.js'
import { HistoryError, returnMsOf, validateHistory } from '../../../src/core/checker/history.js'
import type { HistoryOperation, RegisterOp, RegisterResult } from '../../../src/core/checker/history.js'
import { applyRegisterOp, INITIAL_REGISTER_STATE, stepRegister } from '../../../src/core/checker/register-model.js'
import type { RegisterState } from '../../../src/core/checker/register-model.js'
import { encodeOperation, StateInterner, stepInterned } from '../../../src/core/checker/interned-register.js'

// ---- history helpers -------------------------------------------------------------------------------------------

const OK: RegisterResult = { kind: 'ok' }
const EMPTY: RegisterResult = { kind: 'empty' }
const NOT_FOUND: RegisterResult = { kind: 'not-found' }
const ALREADY_EXISTS: RegisterResult = { kind: 'already-exists' }
const value = (v: string): RegisterResult => ({ kind: 'value', value: v })
const write = (v: string): RegisterOp => ({ kind: 'write', value: v })
const READ: RegisterOp = { kind: 'read' }
const CREATE: RegisterOp = { kind: 'create' }
const DROP: RegisterOp = { kind: 'drop' }

let nextId = 1

function done(
  client: string,
  op: RegisterOp,
  invokeMs: number,
  returnMs: number,
  result: RegisterResult,
  token = 't',
): HistoryOperation {
  return { id: nextId++, client, token, op, invokeMs, completion: { kind: 'ok', result, returnMs } }
}

function unknown(client: string, op: RegisterOp, invokeMs: number, token = 't'): HistoryOperation {
  return { id: nextId++, client, token, op, invokeMs, completion: { kind: 'unknown' } }
}

function verdictOf(history: readonly HistoryOperation[]): string {
  return checkLinearizability(history).verdict
}

// ---- basic acceptance and rejection -----------------------------------------------------------------------------

test('accepts a sequential history', (t) => {
  t.is(
    verdictOf([
      done('a', READ, 0, 1, EMPTY),
      done('a', write('v1'), 2, 3, OK),
      done('b', READ, 4, 5, value('v1')),
      done('b', write('v2'), 6, 7, OK),
      done('a', READ, 8, 9, value('v2')),
    ]),
    'linearizable',
  )
})

test('accepts concurrent overlapping writes and reads in either order', (t) => {
  const concurrentWrites = (first: string, second: string): HistoryOperation[] => [
    done('w1', write('v1'), 0, 100, OK),
    done('w2', write('v2'), 0, 100, OK),
    done('r1', READ, 10, 20, value(first)),
    done('r1', READ, 30, 40, value(second)),
    done('r2', READ, 50, 60, value(second)),
  ]
  t.is(verdictOf(concurrentWrites('v1', 'v2')), 'linearizable')
  t.is(verdictOf(concurrentWrites('v2', 'v1')), 'linearizable')
  // A read overlapping a write may see either side of it; equal times are concurrent.
  t.is(verdictOf([done('w', write('v1'), 10, 20, OK), done('r', READ, 20, 30, EMPTY)]), 'linearizable')
})

test('rejects a stale read after a completed write', (t) => {
  const report = checkLinearizability([
    done('a', write('v1'), 0, 10, OK),
    done('a', write('v2'), 20, 30, OK),
    done('b', READ, 40, 50, value('v1')),
  ])
  t.is(report.verdict, 'violation')
  const counterexample = report.tokens[0]!.counterexample!
  t.is(counterexample.blocked.op.kind, 'read')
  t.deepEqual(
    counterexample.linearized.map((o) => o.op),
    [write('v2')],
  )
  t.deepEqual(counterexample.stateBefore, { kind: 'value', value: 'v1' })
})

test('rejects a new/old inversion (regular but not atomic) and names the second read', (t) => {
  const readB = done('b', READ, 50, 60, value('v1'))
  const report = checkLinearizability([
    done('w', write('v1'), 0, 10, OK),
    done('w', write('v2'), 20, 100, OK),
    done('a', READ, 30, 40, value('v2')),
    readB,
  ])
  t.is(report.verdict, 'violation')
  const counterexample = report.tokens[0]!.counterexample!
  t.is(counterexample.blocked.id, readB.id)
  t.is(counterexample.prefixLength, 3)
  t.regex(counterexample.message, new RegExp(`#${readB.id} read by b \\[50, 60\\] ms -> value "v1"`))
  t.log(counterexample.message)
})

test('accepts unknown writes taking effect or not, but not being undone once seen', (t) => {
  const base = (): HistoryOperation[] => [done('a', write('v1'), 0, 10, OK), unknown('b', write('v2'), 20)]
  t.is(verdictOf([...base(), done('c', READ, 30, 40, value('v2'))]), 'linearizable')
  t.is(
    verdictOf([...base(), done('c', READ, 30, 40, value('v1')), done('c', READ, 1000, 1010, value('v1'))]),
    'linearizable',
  )
  // It may take effect long after its invocation, even after its client moved on.
  t.is(
    verdictOf([...base(), done('b', READ, 30, 40, value('v1')), done('c', READ, 1000, 1010, value('v2'))]),
    'linearizable',
  )
  t.is(verdictOf([...base(), done('c', READ, 30, 40, value('v2')), done('c', READ, 50, 60, value('v1'))]), 'violation')
  t.is(verdictOf([unknown('a', DROP, 0), done('b', READ, 5, 6, NOT_FOUND), done('b', READ, 7, 8, EMPTY)]), 'violation')
})

test('accepts a rewrite of the current value that a later read needs after another write', (t) => {
  // Writing b while b is current changes nothing now, but placed after write(a) it is what the read sees.
  t.is(
    verdictOf([
      done('a', write('b'), 0, 0, OK),
      done('a', write('a'), 1, 1, OK),
      done('b', write('b'), 1, 1, OK),
      done('a', READ, 2, 2, value('b')),
    ]),
    'linearizable',
  )
})

test('rejects a read of a value never written and accepts reading empty initially', (t) => {
  t.is(verdictOf([done('a', READ, 0, 1, EMPTY)]), 'linearizable')
  t.is(verdictOf([done('a', write('v1'), 0, 10, OK), done('b', READ, 5, 15, value('v9'))]), 'violation')
  t.is(verdictOf([done('a', write('v1'), 0, 10, OK), done('b', READ, 20, 30, EMPTY)]), 'violation')
})

test('checks create / drop / not-found / already-exists semantics', (t) => {
  t.is(
    verdictOf([done('a', DROP, 0, 1, OK), done('a', READ, 2, 3, NOT_FOUND), done('a', write('v'), 4, 5, NOT_FOUND)]),
    'linearizable',
  )
  t.is(
    verdictOf([done('a', CREATE, 0, 1, ALREADY_EXISTS), done('a', DROP, 2, 3, OK), done('a', DROP, 4, 5, NOT_FOUND)]),
    'linearizable',
  )
  t.is(
    verdictOf([done('a', DROP, 0, 1, OK), done('a', CREATE, 2, 3, OK), done('b', READ, 4, 5, EMPTY)]),
    'linearizable',
  )
  t.is(verdictOf([done('a', DROP, 0, 1, OK), done('b', write('v'), 2, 3, OK)]), 'violation')
  t.is(verdictOf([done('a', CREATE, 0, 1, OK)]), 'violation')
  // Concurrent with the drop, the write may come first.
  t.is(
    verdictOf([done('a', DROP, 0, 10, OK), done('b', write('v'), 5, 15, OK), done('c', READ, 20, 21, NOT_FOUND)]),
    'linearizable',
  )
})

test('ignores failed (no-effect) reads', (t) => {
  const failedRead: HistoryOperation = {
    id: nextId++,
    client: 'b',
    token: 't',
    op: READ,
    invokeMs: 5,
    completion: { kind: 'failed', error: 'deadline-exceeded', returnMs: 50 },
  }
  const report = checkLinearizability([
    done('a', write('v1'), 0, 10, OK),
    failedRead,
    done('c', READ, 60, 70, value('v1')),
  ])
  t.is(report.verdict, 'linearizable')
  t.is(report.tokens[0]!.operations, 2)
})

test('checks tokens independently', (t) => {
  const report = checkLinearizability([
    done('a', write('v1'), 0, 10, OK, 'A'),
    done('b', write('v1'), 0, 10, OK, 'B'),
    done('b', write('v2'), 20, 30, OK, 'B'),
    done('a', READ, 20, 30, value('v1'), 'A'),
    done('c', READ, 40, 50, value('v1'), 'B'),
  ])
  t.is(report.verdict, 'violation')
  t.deepEqual(
    report.tokens.map((r) => [r.token, r.verdict]),
    [
      ['A', 'linearizable'],
      ['B', 'violation'],
    ],
  )
  t.is(report.tokens[1]!.counterexample!.token, 'B')
})

test('rejects malformed histories with HistoryError', (t) => {
  const overlapping = [done('a', READ, 0, 10, EMPTY), done('a', READ, 5, 15, EMPTY)]
  t.throws(() => checkLinearizability(overlapping), { instanceOf: HistoryError, message: /client "a" has overlapping/ })
  const duplicate = done('a', READ, 0, 10, EMPTY)
  t.throws(() => validateHistory([duplicate, duplicate]), { instanceOf: HistoryError, message: /duplicate/ })
  t.throws(() => validateHistory([done('a', write('v'), 0, 1, EMPTY)]), {
    instanceOf: HistoryError,
    message: /write cannot return "empty"/,
  })
  t.throws(() => validateHistory([done('a', READ, 10, 5, EMPTY)]), { instanceOf: HistoryError, message: /returnMs/ })
})

test('HistoryBuilder records a history and leaves unfinished operations unknown', (t) => {
  const builder = new HistoryBuilder()
  const w = builder.invoke('a', 't', write('v1'), 0)
  const r = builder.invoke('b', 't', READ, 1)
  builder.ok(w, OK, 5)
  builder.failed(r, 'unavailable', 6)
  builder.invoke('a', 't', write('v2'), 7)
  const history = builder.build()
  t.deepEqual(
    history.map((o) => o.completion.kind),
    ['ok', 'failed', 'unknown'],
  )
  t.throws(() => builder.ok(w, OK, 9), { instanceOf: HistoryError })
  t.is(checkLinearizability(history).verdict, 'linearizable')
})

test('the interned model agrees with the specification', (t) => {
  const states: RegisterState[] = [
    { kind: 'absent' },
    { kind: 'empty' },
    { kind: 'value', value: 'a' },
    { kind: 'value', value: 'b' },
  ]
  const ops: RegisterOp[] = [write('a'), write('b'), CREATE, DROP, READ]
  const results: (RegisterResult | undefined)[] = [
    undefined,
    OK,
    NOT_FOUND,
    ALREADY_EXISTS,
    EMPTY,
    value('a'),
    value('b'),
  ]
  // With every live state observed by some read, the interning merges none of them.
  const interner = new StateInterner([
    done('c', READ, 0, 1, EMPTY),
    done('c', READ, 0, 1, value('a')),
    done('c', READ, 0, 1, value('b')),
  ])
  const encodeState = (s: RegisterState): number =>
    s.kind === 'absent' ? 0 : s.kind === 'empty' ? interner.emptyState : interner.valueState(s.value)
  for (const state of states) {
    for (const op of ops) {
      for (const result of results) {
        if (result !== undefined && !plausible(op, result)) continue
        const operation = result === undefined ? unknown('c', op, 0) : done('c', op, 0, 1, result)
        const encoded = encodeOperation(operation, interner)
        const expected = stepRegister(state, op, result)
        const actual = stepInterned(encoded.kind, encoded.arg, encoded.outcome, encodeState(state))
        t.is(actual, expected === undefined ? -1 : encodeState(expected), `${JSON.stringify({ state, op, result })}`)
      }
    }
  }
})

/** Results the history validator lets an op return. */
function plausible(op: RegisterOp, result: RegisterResult): boolean {
  const allowed: Record<RegisterOp['kind'], string[]> = {
    write: ['ok', 'not-found'],
    create: ['ok', 'already-exists'],
    drop: ['ok', 'not-found'],
    read: ['not-found', 'empty', 'value'],
  }
  return allowed[op.kind].includes(result.kind)
}

// ---- randomized -------------------------------------------------------------------------------------------------

/** A small seeded PRNG (mulberry32): fast-check drives the seeds, so failures replay. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), a | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

interface Simulation {
  readonly operations: number
  readonly clients: number
  readonly unknownWriteRate: number
  /** Draw written values from this many (default: every value fresh). */
  readonly valuePool?: number
}

/**
 * Simulates a real atomic register: each operation takes effect at a random point inside its interval (an unknown
 * write maybe never, maybe long after), results come from applying the model in that order, so the history is
 * linearizable by construction. Each client issues its next operation shortly after the previous one returns.
 */
function simulateAtomicRegister(random: () => number, simulation: Simulation): HistoryOperation[] {
  const { operations, clients, unknownWriteRate, valuePool } = simulation
  const freeAtMs = new Array<number>(clients).fill(0)
  const effects: { operation: HistoryOperation; atMs: number }[] = []
  const pending: HistoryOperation[] = []
  for (let i = 0; i < operations; i++) {
    const client = freeAtMs.indexOf(Math.min(...freeAtMs))
    const invokeMs = freeAtMs[client]! + Math.floor(random() * 3)
    const durationMs = 1 + Math.floor(random() * 20)
    freeAtMs[client] = invokeMs + durationMs
    const op = randomOp(random, `v${valuePool === undefined ? i : Math.floor(random() * valuePool)}`)
    const operation = { id: i, client: `c${client}`, token: 't', op, invokeMs }
    if (op.kind === 'write' && random() < unknownWriteRate) {
      if (random() < 0.5)
        effects.push({
          operation: { ...operation, completion: { kind: 'unknown' } },
          atMs: invokeMs + random() * 100 * durationMs,
        })
      else pending.push({ ...operation, completion: { kind: 'unknown' } })
    } else {
      const completion = { kind: 'ok' as const, result: OK, returnMs: invokeMs + durationMs }
      effects.push({ operation: { ...operation, completion }, atMs: invokeMs + random() * durationMs })
    }
  }
  return [...applyInOrder(effects), ...pending].sort((a, b) => a.id - b.id)
}

function randomOp(random: () => number, freshValue: string): RegisterOp {
  const p = random()
  return p < 0.5 ? READ : p < 0.92 ? write(freshValue) : p < 0.96 ? CREATE : DROP
}

function applyInOrder(effects: { operation: HistoryOperation; atMs: number }[]): HistoryOperation[] {
  let state = INITIAL_REGISTER_STATE
  return effects
    .sort((a, b) => a.atMs - b.atMs)
    .map(({ operation }) => {
      const { result, next } = applyRegisterOp(state, operation.op)
      state = next
      const { completion } = operation
      return completion.kind === 'ok' ? { ...operation, completion: { ...completion, result } } : operation
    })
}

/**
 * Makes one read certainly illegal: it now returns the value of a write W_old that completed before another
 * successful write W_new completed before the read began. Values are unique, so only W_old ever wrote it.
 */
function injectStaleRead(random: () => number, history: HistoryOperation[]): HistoryOperation[] | undefined {
  const succeeded = (o: HistoryOperation): boolean =>
    o.op.kind === 'write' && o.completion.kind === 'ok' && o.completion.result.kind === 'ok'
  const reads = history.filter((o) => o.op.kind === 'read' && o.completion.kind === 'ok')
  const read = reads[Math.floor(reads.length / 2 + (random() * reads.length) / 2)]
  if (read === undefined) return undefined
  const newer = history.filter((o) => succeeded(o) && returnMsOf(o) < read.invokeMs)
  const wNew = newer[Math.floor(random() * newer.length)]
  if (wNew === undefined) return undefined
  const older = history.filter((o) => succeeded(o) && returnMsOf(o) < wNew.invokeMs)
  const wOld = older[Math.floor(random() * older.length)]
  if (wOld === undefined || wOld.op.kind !== 'write') return undefined
  const stale: HistoryOperation = {
    ...read,
    completion: { kind: 'ok', result: value(wOld.op.value), returnMs: returnMsOf(read) },
  }
  return history.map((o) => (o.id === read.id ? stale : o))
}

test('accepts simulated atomic-register histories and rejects them with one stale read injected', (t) => {
  let rejected = 0
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
      const random = prng(seed)
      const history = simulateAtomicRegister(random, { operations: 300, clients: 16, unknownWriteRate: 0.02 })
      if (checkLinearizability(history).verdict !== 'linearizable') return false
      const mutated = injectStaleRead(random, history)
      if (mutated === undefined) return true
      rejected++
      return checkLinearizability(mutated).verdict === 'violation'
    }),
    { numRuns: 150 },
  )
  t.true(rejected > 100, `only ${rejected} mutations were injected`)
})

/**
 * The reference: Wing & Gong's search over the specification with plain memoization of (linearized set, state),
 * no reductions and no interning, simple enough to trust.
 */
function referenceLinearizable(history: readonly HistoryOperation[]): boolean {
  const ops = history.filter((o) => o.completion.kind !== 'failed')
  const isDone = (done: bigint, i: number): boolean => ((done >> BigInt(i)) & 1n) === 1n
  const seen = new Set<string>()
  const explore = (done: bigint, state: RegisterState): boolean => {
    if (ops.every((o, i) => isDone(done, i) || o.completion.kind === 'unknown')) return true
    const key = `${done}|${JSON.stringify(state)}`
    if (seen.has(key)) return false
    seen.add(key)
    return ops.some((o, i) => {
      if (isDone(done, i) || ops.some((p, j) => !isDone(done, j) && returnMsOf(p) < o.invokeMs)) return false
      const next = stepRegister(state, o.op, o.completion.kind === 'ok' ? o.completion.result : undefined)
      return next !== undefined && explore(done | (1n << BigInt(i)), next)
    })
  }
  return explore(0n, INITIAL_REGISTER_STATE)
}

const smallHistory = fc
  .array(
    fc.record({
      client: fc.integer({ min: 0, max: 3 }),
      gapMs: fc.integer({ min: 0, max: 3 }),
      durationMs: fc.integer({ min: 0, max: 6 }),
      op: fc.constantFrom<RegisterOp>(write('a'), write('b'), CREATE, DROP, READ, READ),
      result: fc.constantFrom<RegisterResult | 'unknown' | 'failed'>(
        OK,
        NOT_FOUND,
        ALREADY_EXISTS,
        EMPTY,
        value('a'),
        value('b'),
        'unknown',
        'failed',
      ),
    }),
    { maxLength: 10 },
  )
  .map((specs) => {
    const freeAtMs = [0, 0, 0, 0]
    return specs
      .filter((s) => s.result === 'unknown' || s.result === 'failed' || plausible(s.op, s.result))
      .map((s, id) => {
        const invokeMs = freeAtMs[s.client]! + s.gapMs
        const returnMs = invokeMs + s.durationMs
        freeAtMs[s.client] = returnMs
        const completion =
          s.result === 'unknown'
            ? { kind: 'unknown' as const }
            : s.result === 'failed'
              ? { kind: 'failed' as const, error: 'unavailable', returnMs }
              : { kind: 'ok' as const, result: s.result, returnMs }
        return { id, client: `c${s.client}`, token: 't', op: s.op, invokeMs, completion }
      })
  })

test('agrees with a reference search on small random histories', (t) => {
  let violations = 0
  fc.assert(
    fc.property(smallHistory, (history) => {
      const expected = referenceLinearizable(history)
      if (!expected) violations++
      return (checkLinearizability(history).verdict === 'linearizable') === expected
    }),
    { numRuns: 4000 },
  )
  t.true(violations > 400, `only ${violations} non-linearizable samples`)
})

/** Replaces the results of `count` random definite operations with random results their op may return. */
function corruptResults(random: () => number, history: HistoryOperation[], count: number): HistoryOperation[] {
  const values = ['v0', 'v1', ...history.flatMap((o) => (o.op.kind === 'write' ? [o.op.value] : []))]
  const choices: RegisterResult[] = [OK, NOT_FOUND, ALREADY_EXISTS, EMPTY, ...values.map(value)]
  const corrupted = [...history]
  for (let k = 0; k < count; k++) {
    const i = Math.floor(random() * corrupted.length)
    const o = corrupted[i]!
    const allowed = choices.filter((r) => plausible(o.op, r))
    if (o.completion.kind !== 'ok') continue
    corrupted[i] = { ...o, completion: { ...o.completion, result: allowed[Math.floor(random() * allowed.length)]! } }
  }
  return corrupted
}

test('agrees with a reference search on simulated histories with corrupted results', (t) => {
  let violations = 0
  const pools = fc.constantFrom<number | undefined>(undefined, 2, 4)
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0x7fffffff }),
      fc.integer({ min: 0, max: 2 }),
      pools,
      (seed, count, valuePool) => {
        const random = prng(seed)
        const simulated = simulateAtomicRegister(random, {
          operations: 30,
          clients: 6,
          unknownWriteRate: 0.15,
          valuePool,
        })
        const history = corruptResults(random, simulated, count)
        const expected = referenceLinearizable(history)
        if (!expected) violations++
        return (checkLinearizability(history).verdict === 'linearizable') === expected
      },
    ),
    { numRuns: 400 },
  )
  t.true(violations > 100, `only ${violations} non-linearizable samples`)
})

// ---- limits -----------------------------------------------------------------------------------------------------

test('checks 10,000 operations from 16 clients on one token quickly', (t) => {
  const history = simulateAtomicRegister(prng(42), { operations: 10_000, clients: 16, unknownWriteRate: 0.002 })
  const unknownWrites = history.filter((o) => o.completion.kind === 'unknown').length
  const report = checkLinearizability(history)
  t.log(`10,000 ops x 16 clients (${unknownWrites} unknown writes): ${report.elapsedMs.toFixed(0)} ms`)
  t.is(report.verdict, 'linearizable')
  t.true(unknownWrites > 0)
  t.true(report.elapsedMs < 30_000)
  const mutated = injectStaleRead(prng(7), history)!
  const rejection = checkLinearizability(mutated)
  t.log(`with one stale read injected: ${rejection.verdict} in ${rejection.elapsedMs.toFixed(0)} ms`)
  t.is(rejection.verdict, 'violation')
  t.log(rejection.tokens[0]!.counterexample!.message)
})

test('gives up with a timeout verdict on a history too hard for the budget', (t) => {
  // 24 fully concurrent writes, each value read once, and a read of a value none wrote: every subset of the
  // writes, with each last write, is a dead end to refute (n * 2^n configurations).
  const history = Array.from({ length: 24 }, (_, i) => [
    done(`w${i}`, write(`v${i}`), 0, 100, OK),
    done(`r${i}`, READ, 0, 100, value(`v${i}`)),
  ]).flat()
  history.push(done('r', READ, 0, 100, value('nobody')), done('x', READ, 0, 1, EMPTY, 'easy'))
  const report = checkLinearizability(history, { timeoutMs: 300 })
  t.is(report.verdict, 'timeout')
  t.deepEqual(
    report.tokens.map((r) => r.verdict),
    ['timeout', 'linearizable'],
  )
  t.true(report.elapsedMs < 5_000)
})
