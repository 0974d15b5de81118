import { connect, createServer, type Server, type Socket } from 'node:net'

export interface LinkDelay {
  readonly delayMs: number
  readonly jitterMs: number
}

const NO_DELAY: LinkDelay = { delayMs: 0, jitterMs: 0 }

/**
 * A TCP proxy that owns a node's access point and forwards to the port the node listens on, delaying every chunk
 * in both directions by `delayMs` plus up to `jitterMs` while a delay is set: a slow link to and from that node,
 * for clients and peers alike. Chunks of one direction keep their order (each leaves no earlier than the one
 * before), so the byte stream stays intact; only its timing changes. When the node is down, connections are
 * accepted and closed at once, as a dead port would refuse them.
 */
export class DelayProxy {
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private delay: LinkDelay = NO_DELAY
  forwardedBytes = 0

  private constructor(
    readonly listenPort: number,
    readonly targetPort: number,
    private readonly random: () => number,
  ) {
    this.server = createServer((socket) => this.accept(socket))
  }

  static async start(listenPort: number, targetPort: number, random: () => number = Math.random): Promise<DelayProxy> {
    const proxy = new DelayProxy(listenPort, targetPort, random)
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject)
      proxy.server.listen(listenPort, '127.0.0.1', () => resolve())
    })
    return proxy
  }

  setDelay(delay: LinkDelay): void {
    this.delay = delay
  }

  get delayed(): boolean {
    return this.delay.delayMs > 0 || this.delay.jitterMs > 0
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      this.sockets.add(socket)
      socket.setNoDelay(true)
      // Either side failing or closing ends the pair: a broken link, as the peer would see it.
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
      socket.on('close', () => {
        this.sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    this.pipe(client, upstream)
    this.pipe(upstream, client)
  }

  /**
   * One FIFO and one timer per direction: separate timers per chunk could fire out of order (Node rounds their
   * delays to whole milliseconds, per timer), and a reordered byte stream is a corrupt one, not a slow one.
   */
  private pipe(from: Socket, to: Socket): void {
    const queue: { atMs: number; chunk: Buffer | null }[] = []
    let timer: NodeJS.Timeout | undefined
    const drain = (): void => {
      timer = undefined
      while (queue.length > 0 && queue[0]!.atMs <= Date.now()) {
        const { chunk } = queue.shift()!
        if (to.destroyed) continue
        if (chunk === null) to.end()
        else to.write(chunk)
      }
      if (queue.length > 0) timer = setTimeout(drain, Math.max(1, queue[0]!.atMs - Date.now()))
    }
    const enqueue = (chunk: Buffer | null): void => {
      const { delayMs, jitterMs } = this.delay
      const lastAtMs = queue.length > 0 ? queue[queue.length - 1]!.atMs : 0
      queue.push({ atMs: Math.max(lastAtMs, Date.now() + delayMs + this.random() * jitterMs), chunk })
      if (timer === undefined) drain()
    }
    from.on('data', (chunk: Buffer) => {
      this.forwardedBytes += chunk.length
      enqueue(chunk)
    })
    from.on('end', () => enqueue(null))
    from.on('close', () => {
      if (timer !== undefined) clearTimeout(timer)
    })
  }
}
