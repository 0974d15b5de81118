import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'

/** Where Linux takes the local ports of outgoing connections (and of listen(0)). */
const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range'
const LOWEST_PORT = 10_000
/** Bound on the ports tried per call before falling back to ports the OS picks. */
const MAX_TRIES = 200

/**
 * `count` distinct ports on 127.0.0.1 that were free a moment ago: all held open at once, so none is handed out
 * twice, then released for the nodes and proxies to bind. They are drawn below the ephemeral range when the OS
 * says where it is: a port the OS picks comes from that range, and in the moment between our release and the
 * node's bind, any outgoing connection on the machine (tests run in parallel) could take it as its local port.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    const ports: number[] = []
    const below = ephemeralLow()
    for (let tries = 0; below !== undefined && ports.length < count && tries < MAX_TRIES; tries++) {
      const candidate = LOWEST_PORT + Math.floor(Math.random() * (below - LOWEST_PORT))
      if (ports.includes(candidate)) continue
      const server = createServer()
      const port = await listen(server, candidate).catch(() => undefined)
      if (port === undefined) continue
      servers.push(server)
      ports.push(port)
    }
    while (ports.length < count) {
      const server = createServer()
      servers.push(server)
      ports.push(await listen(server, 0))
    }
    return ports
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      if (typeof address === 'object' && address !== null) resolve(address.port)
      else reject(new Error('no port'))
    })
  })
}

/** The first ephemeral port, when there is room below it; undefined where the OS does not say. */
function ephemeralLow(): number | undefined {
  try {
    const low = Number(readFileSync(EPHEMERAL_RANGE_FILE, 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > LOWEST_PORT + 1_000 ? low : undefined
  } catch {
    return undefined
  }
}
