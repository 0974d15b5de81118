import test from 'ava'
import { SaveBarrier, type StepEffects } from '../../../src/core/node/save-barrier.js'

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function held(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function step(ran: string[], name: string, tokens: string[], saved?: Promise<void>, global = false): StepEffects {
  return {
    tokens: new Set(tokens),
    global,
    saved,
    run: () => ran.push(name),
    failed: (error) => ran.push(`${name} failed: ${String(error)}`),
  }
}

test('a step without a save and without earlier held steps of its tokens runs at once', (t) => {
  const ran: string[] = []
  const barrier = new SaveBarrier()
  barrier.apply(step(ran, 'a', ['T']))
  t.deepEqual(ran, ['a'])
  t.is(barrier.heldSteps, 0)
})

test('steps about a token wait for its pending save in order; other tokens pass', async (t) => {
  const ran: string[] = []
  const barrier = new SaveBarrier()
  const save = held()
  barrier.apply(step(ran, 'save T', ['T'], save.promise))
  barrier.apply(step(ran, 'reply T', ['T']))
  barrier.apply(step(ran, 'reply U', ['U']))
  barrier.apply(step(ran, 'reply T and U', ['T', 'U']))
  await flush()
  t.deepEqual(ran, ['reply U'])
  save.resolve()
  await barrier.drained()
  t.deepEqual(ran, ['reply U', 'save T', 'reply T', 'reply T and U'])
})

test('a failed save is reported in its turn, and the held steps after it about its tokens fail with it', async (t) => {
  const ran: string[] = []
  const barrier = new SaveBarrier()
  const first = held()
  const second = held()
  barrier.apply(step(ran, 'one', ['T'], first.promise))
  barrier.apply(step(ran, 'two', ['T'], second.promise))
  // An acknowledgement that completes T's write while T's save is still running: it must not report success.
  barrier.apply(step(ran, 'three', ['T']))
  barrier.apply(step(ran, 'four', ['T', 'U']))
  barrier.apply(step(ran, 'five', ['U']))
  second.reject(new Error('disk full'))
  await flush()
  t.deepEqual(ran, [], 'the failure waits for the earlier step')
  first.resolve()
  await barrier.drained()
  t.deepEqual(ran, [
    'one',
    'two failed: Error: disk full',
    'three failed: Error: disk full',
    'four failed: Error: disk full',
    'five',
  ])
})

test('a global step (hash cancels) waits for every earlier held step', async (t) => {
  const ran: string[] = []
  const barrier = new SaveBarrier()
  const save = held()
  barrier.apply(step(ran, 'start job of U', ['U'], save.promise))
  barrier.apply(step(ran, 'cancel', ['T'], undefined, true))
  await flush()
  t.deepEqual(ran, [])
  save.resolve()
  await barrier.drained()
  t.deepEqual(ran, ['start job of U', 'cancel'])
})
