import type { ServerResponse } from 'node:http'

/** Browsers connected at once by default: each costs a socket and a snapshot per period. */
export const DEFAULT_MAX_STREAMS = 64

interface Stream {
  readonly res: ServerResponse
  /** The socket's buffer is full: this stream skips snapshots until it drains, then gets the latest. */
  backedUp: boolean
}

/**
 * Server-sent events to a bounded set of browsers. A slow browser never makes memory grow: while its socket buffer
 * is full it misses snapshots, and once drained it gets the newest one (each snapshot replaces the last).
 */
export class EventStream {
  private readonly streams = new Set<Stream>()
  private last: string | undefined

  constructor(private readonly maxStreams = DEFAULT_MAX_STREAMS) {}

  get size(): number {
    return this.streams.size
  }

  /** Takes the response as an event stream; false (and nothing written) when the bound is reached. */
  attach(res: ServerResponse): boolean {
    if (this.streams.size >= this.maxStreams) return false
    const stream: Stream = { res, backedUp: false }
    this.streams.add(stream)
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    })
    res.on('close', () => this.streams.delete(stream))
    res.on('drain', () => {
      stream.backedUp = false
      if (this.last !== undefined) this.send(stream, this.last)
    })
    // A reconnecting browser waits a second, not the EventSource default of three.
    res.write('retry: 1000\n\n')
    if (this.last !== undefined) this.send(stream, this.last)
    return true
  }

  /** Sends `data` (one JSON text, no newline) as a `snapshot` event to every browser that keeps up. */
  publish(data: string): void {
    this.last = `event: snapshot\ndata: ${data}\n\n`
    for (const stream of this.streams) if (!stream.backedUp) this.send(stream, this.last)
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    for (const stream of this.streams) stream.res.end()
    this.streams.clear()
  }

  private send(stream: Stream, event: string): void {
    stream.backedUp = !stream.res.write(event)
  }
}
