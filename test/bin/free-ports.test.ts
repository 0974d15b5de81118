import test from 'ava'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { freePorts } from '../../src/node/free-ports.js'

test('free ports are distinct, bindable, and below the ephemeral range where outgoing connections take theirs', async (t) => {
  const ports = await freePorts(20)
  t.is(new Set(ports).size, 20)
  const range = '/proc/sys/net/ipv4/ip_local_port_range'
  if (existsSync(range)) {
    const low = Number(readFileSync(range, 'utf8').trim().split(/\s+/)[0])
    for (const port of ports) t.true(port < low, `${port} below ${low}`)
  }
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const server = createServer().once('error', reject)
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()))
    })
  }
})
