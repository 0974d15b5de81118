import * as grpc from '@grpc/grpc-js'
import { performance } from 'node:perf_hooks'
import type { NodeId, ReplicaMessage } from '../../core/protocol/messages.js'
import type { OutgoingBatch, OutgoingMessage } from './replica-batch-codec.js'

export interface PeerLinkOptions {
  readonly self: NodeId
  readonly fingerprint: string
  /** Messages waiting for the stream beyond this are dropped: the protocol tolerates loss, memory must not grow. */
  readonly maxQueued: number
  readonly maxBatch: number
  readonly maxBackoffMs: number
  /** How to dial the peer (credentials and the channel options they need); plaintext when unset. */
  readonly dial?: { readonly credentials: grpc.ChannelCredentials; readonly options: grpc.ChannelOptions }
}

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  // channelz keeps per-call statistics nobody reads here: a few % of a node's CPU under load.
  'grpc.enable_channelz': 0,
}

/**
 * One long-lived client stream to one peer. Messages sent in the same tick go out as one batch; a broken stream is
 * reopened after a bounded backoff, and what was queued meanwhile (bounded) goes out then. Backoff times are on
 * the monotonic clock: on the wall clock, a step back (NTP, a restored VM) held the link shut for as long as the
 * step, and the replicas behind it out of every quorum.
 */
export class PeerLink {
  private readonly client: grpc.Client
  private stream: grpc.ClientWritableStream<OutgoingBatch> | undefined
  private queue: OutgoingMessage[] = []
  private flushScheduled = false
  private blocked = false
  private backoffMs = 0
  private retryAtMs = 0
  private openedAtMs = 0
  private closed = false
  dropped = 0
  private incarnation: number | undefined

  constructor(
    readonly peer: NodeId,
    ctor: grpc.ServiceClientConstructor,
    private readonly options: PeerLinkOptions,
  ) {
    this.client = new ctor(peer, options.dial?.credentials ?? grpc.credentials.createInsecure(), {
      ...CHANNEL_OPTIONS,
      ...options.dial?.options,
    })
  }

  /** `inc`: the sending process's incarnation, carried by every batch (the same for all of a node's messages). */
  send(message: ReplicaMessage, inc?: number): void {
    if (this.closed) return
    if (inc !== undefined) this.incarnation = inc
    if (this.queue.length >= this.options.maxQueued) {
      this.dropped++
      return
    }
    this.queue.push({ to: this.peer, message })
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => this.flush())
    }
  }

  close(): void {
    this.closed = true
    this.queue = []
    this.stream?.end()
    this.stream = undefined
    this.client.close()
  }

  private flush(): void {
    this.flushScheduled = false
    if (this.closed || this.blocked || this.queue.length === 0) return
    const stream = this.open()
    if (stream === undefined) return this.retryLater()
    while (this.queue.length > 0 && !this.blocked) {
      const messages = this.queue.splice(0, this.options.maxBatch)
      const more = stream.write({
        from: this.options.self,
        fingerprint: this.options.fingerprint,
        messages,
        ...(this.incarnation !== undefined && { incarnation: this.incarnation }),
      })
      if (!more) {
        this.blocked = true
        stream.once('drain', () => {
          this.blocked = false
          this.flush()
        })
      }
    }
  }

  private open(): grpc.ClientWritableStream<OutgoingBatch> | undefined {
    if (this.stream !== undefined) return this.stream
    if (performance.now() < this.retryAtMs) return undefined
    const stream = (
      this.client as unknown as {
        Exchange: (cb: (e: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<OutgoingBatch>
      }
    ).Exchange((error) => this.broken(stream, error))
    stream.on('error', () => {})
    this.stream = stream
    this.openedAtMs = performance.now()
    return stream
  }

  /** The stream ended (peer down, restarted, or refused us): back off, then reopen on the next send. */
  private broken(stream: grpc.ClientWritableStream<OutgoingBatch>, error: grpc.ServiceError | null): void {
    if (this.stream !== stream) return
    this.stream = undefined
    this.blocked = false
    // The peer ended the stream cleanly (it is stopping): what is queued was meant for this incarnation only.
    if (error === null) {
      this.queue = []
      return
    }
    // A stream that lived a while was a success: start backing off from scratch.
    if (performance.now() - this.openedAtMs > 5 * this.options.maxBackoffMs) this.backoffMs = 0
    this.backoffMs = Math.min(this.options.maxBackoffMs, Math.max(50, this.backoffMs * 2))
    this.retryAtMs = performance.now() + this.backoffMs
    if (this.queue.length > 0) this.retryLater()
  }

  private retryLater(): void {
    if (this.flushScheduled || this.closed) return
    this.flushScheduled = true
    setTimeout(() => this.flush(), Math.max(1, this.retryAtMs - performance.now()))
  }
}
