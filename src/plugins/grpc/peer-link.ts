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
  /**
   * Messages that waited longer than this for the stream are dropped, not sent: their rounds have resent them or
   * ended. Bounds what a peer that was away receives when it returns. Default 2 s.
   */
  readonly maxQueuedAgeMs?: number
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

/** A peer that keeps speaking to us redials our channel to it at most this often. */
const REDIAL_GAP_MS = 250

/**
 * One long-lived client stream to one peer. Messages sent in the same tick go out as one batch; a broken stream is
 * reopened after a bounded backoff, and what was queued meanwhile (bounded) goes out then. Backoff times are on
 * the monotonic clock: on the wall clock, a step back (NTP, a restored VM) held the link shut for as long as the
 * step, and the replicas behind it out of every quorum.
 *
 * A stream is opened only on a connected channel. grpc-js fails a call whose connection attempt fails, and the
 * messages written into it go down with it: they wait in the queue instead, each at most maxQueuedAgeMs (the
 * protocol resends what matters, so a peer that was away gets only recent messages when it returns).
 */
export class PeerLink {
  private client: grpc.Client
  /** The channel whose state changes this link waits for, if any. */
  private watched: grpc.ChannelInterface | undefined
  private lastRedialMs = Number.NEGATIVE_INFINITY
  private stream: grpc.ClientWritableStream<OutgoingBatch> | undefined
  private queue: OutgoingMessage[] = []
  /** When each queued message was queued (performance.now() ms), in queue order. */
  private queuedAtMs: number[] = []
  private flushScheduled = false
  private blocked = false
  private backoffMs = 0
  private retryAtMs = 0
  private openedAtMs = 0
  private closed = false
  dropped = 0
  redials = 0
  private incarnation: number | undefined

  constructor(
    readonly peer: NodeId,
    private readonly ctor: grpc.ServiceClientConstructor,
    private readonly options: PeerLinkOptions,
  ) {
    this.client = this.dial()
  }

  private dial(): grpc.Client {
    return new this.ctor(this.peer, this.options.dial?.credentials ?? grpc.credentials.createInsecure(), {
      ...CHANNEL_OPTIONS,
      ...this.options.dial?.options,
      // A channel of its own, so that a redial (see heard) gets a new connection, not the shared one in backoff.
      'grpc.use_local_subchannel_pool': 1,
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
    this.queuedAtMs.push(performance.now())
    this.scheduleFlush()
  }

  /**
   * The peer just sent us a batch. If our channel to it sits in reconnect backoff (the peer was away, and has
   * restarted), dial it again now: otherwise our answers to the restarted peer wait up to the backoff's bound
   * (seconds), and its first operations with them.
   */
  heard(): void {
    if (this.closed || this.stream !== undefined) return
    if (this.client.getChannel().getConnectivityState(false) !== grpc.connectivityState.TRANSIENT_FAILURE) return
    const nowMs = performance.now()
    if (nowMs - this.lastRedialMs < REDIAL_GAP_MS) return
    this.lastRedialMs = nowMs
    this.client.close()
    this.client = this.dial()
    this.watched = undefined
    this.backoffMs = 0
    this.retryAtMs = 0
    this.redials++
    // A retry timer of the old channel may be pending: flush on the new one now, not when it fires.
    this.flushScheduled = false
    if (this.queue.length > 0) this.scheduleFlush()
  }

  close(): void {
    this.closed = true
    this.watched = undefined
    this.queue = []
    this.queuedAtMs = []
    this.stream?.end()
    this.stream = undefined
    this.client.close()
  }

  private flush(): void {
    this.flushScheduled = false
    if (this.closed || this.blocked) return
    this.dropStale()
    if (this.queue.length === 0) return
    if (this.stream === undefined && !this.connected()) return
    const stream = this.open()
    if (stream === undefined) return this.retryLater()
    while (this.queue.length > 0 && !this.blocked) {
      const messages = this.queue.splice(0, this.options.maxBatch)
      this.queuedAtMs.splice(0, messages.length)
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

  /** Whether the channel is connected; if not, asks it to connect and flushes again when its state changes. */
  private connected(): boolean {
    const channel = this.client.getChannel()
    const state = channel.getConnectivityState(true)
    if (state === grpc.connectivityState.READY) return true
    if (this.watched === channel) return false
    this.watched = channel
    // No deadline: asked to connect, a channel always changes state (at the latest when its reconnect backoff ends),
    // and a deadline on the wall clock would fire at once, again and again, after the clock stepped back.
    channel.watchConnectivityState(state, Infinity, () => {
      if (this.watched !== channel || this.closed) return
      this.watched = undefined
      this.scheduleFlush()
    })
    return false
  }

  /** Drops the messages that waited past maxQueuedAgeMs (the oldest are first). */
  private dropStale(): void {
    const oldestMs = performance.now() - (this.options.maxQueuedAgeMs ?? 2_000)
    let stale = 0
    while (stale < this.queuedAtMs.length && this.queuedAtMs[stale]! < oldestMs) stale++
    if (stale === 0) return
    this.queue.splice(0, stale)
    this.queuedAtMs.splice(0, stale)
    this.dropped += stale
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => this.flush())
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
      this.queuedAtMs = []
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
