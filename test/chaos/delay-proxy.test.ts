import test from 'ava'
import { connect, createServer, type Server } from 'node:net'
import { DelayProxy } from '../../src/tools/chaos/delay-proxy.js'
import { freePorts } from '../../src/node/free-ports.js'

/* The chaos run's slow links: a TCP proxy in front of a node. Only lower bounds on time are asserted. */

async function echoServer(port: number): Promise<Server> {
  const server = createServer((socket) => socket.pipe(socket))
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))
  return server
}

/** Sends `messages` one by one through the proxy and resolves with the echoed text and the elapsed time. */
async function roundTrip(port: number, messages: readonly string[]): Promise<{ text: string; elapsedMs: number }> {
  const socket = connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  const startMs = Date.now()
  const expected = messages.join('').length
  let text = ''
  const done = new Promise<void>((resolve) =>
    socket.on('data', (chunk) => {
      text += chunk.toString()
      if (text.length >= expected) resolve()
    }),
  )
  for (const message of messages) socket.write(message)
  await done
  socket.destroy()
  return { text, elapsedMs: Date.now() - startMs }
}

test('bytes pass through unchanged and in order, delayed both ways while a delay is set', async (t) => {
  const [proxyPort, targetPort] = await freePorts(2)
  const server = await echoServer(targetPort!)
  const proxy = await DelayProxy.start(proxyPort!, targetPort!)
  try {
    const messages = Array.from({ length: 50 }, (_, i) => `m${i};`)
    t.is((await roundTrip(proxyPort!, messages)).text, messages.join(''))
    proxy.setDelay({ delayMs: 150, jitterMs: 100 })
    t.true(proxy.delayed)
    const slow = await roundTrip(proxyPort!, messages)
    t.is(slow.text, messages.join(''), 'jitter never reorders bytes')
    t.true(slow.elapsedMs >= 2 * 150 - 5, `a round trip crosses the proxy twice: ${slow.elapsedMs} ms`)
    proxy.setDelay({ delayMs: 0, jitterMs: 0 })
    t.false(proxy.delayed)
    t.is((await roundTrip(proxyPort!, ['fast'])).text, 'fast')
  } finally {
    await proxy.stop()
    server.close()
  }
})

test('with the node down, a connection to the proxy is closed rather than left hanging', async (t) => {
  const [proxyPort, deadPort] = await freePorts(2)
  const proxy = await DelayProxy.start(proxyPort!, deadPort!)
  try {
    const socket = connect(proxyPort!, '127.0.0.1')
    socket.on('error', () => {})
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000)
      socket.once('close', () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
    t.true(closed, 'the proxy closes the connection when it cannot reach the node')
  } finally {
    await proxy.stop()
  }
})
