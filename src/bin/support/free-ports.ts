import { createServer, type Server } from 'node:net'

/**
 * `count` distinct ports on 127.0.0.1 that were free a moment ago: all held open at once while the OS picks them,
 * so none is handed out twice, then released for the nodes and proxies to bind.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    const ports: number[] = []
    for (let i = 0; i < count; i++) {
      const server = createServer()
      servers.push(server)
      ports.push(await new Promise<number>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => {
          const address = server.address()
          if (typeof address === 'object' && address !== null) resolve(address.port)
          else reject(new Error('no port'))
        })
      }))
    }
    return ports
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}
