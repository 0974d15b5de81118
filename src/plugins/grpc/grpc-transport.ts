import * as grpc from '@grpc/grpc-js'
import type { MessageHandler, Transport } from '../../core/ports/transport.js'
import type { Envelope, NodeId } from '../../core/protocol/messages.js'
import type { GrpcServerHost } from './grpc-server-host.js'
import { PeerLink, type PeerLinkOptions } from './peer-link.js'
import {
  type IncomingBatch,
  type IncomingMessage,
  replicaClientConstructor,
  replicaServiceDefinition,
} from './replica-batch-codec.js'

export interface GrpcTransportOptions {
  /** Fingerprint of this node's replication scheme; batches carrying another are refused. */
  readonly fingerprint: string
  readonly maxQueuedPerPeer?: number
  readonly maxBatch?: number
  /** How to dial each peer (mutual TLS when the cluster is secured); plaintext when unset. */
  readonly dialPeer?: (peer: NodeId) => PeerLinkOptions['dial']
}

/**
 * The replica protocol over gRPC: one long-lived client stream per peer carrying batches of messages, served by
 * ReplicaService.Exchange on the node's shared server. Loss-tolerant by contract: a broken stream loses what was
 * in it, and the protocol's rounds send their requests again.
 */
export class GrpcTransport implements Transport {
  private readonly links = new Map<NodeId, PeerLink>()
  private handler: MessageHandler | undefined
  private self: NodeId | undefined
  /** Finishers of the incoming peer streams, so that stop() can end them and the server drains at once. */
  private readonly calls = new Set<() => void>()
  refusedBatches = 0
  malformedMessages = 0

  constructor(
    private readonly host: GrpcServerHost,
    private readonly options: GrpcTransportOptions,
  ) {}

  async start(self: NodeId, handler: MessageHandler): Promise<void> {
    this.self = self
    this.handler = handler
    this.host.addService(replicaServiceDefinition(), { Exchange: this.exchange.bind(this) })
    await this.host.listen()
  }

  send(envelope: Envelope): void {
    if (this.self === undefined || envelope.from !== this.self) return
    let link = this.links.get(envelope.to)
    if (link === undefined) {
      link = new PeerLink(envelope.to, replicaClientConstructor(), {
        self: this.self,
        fingerprint: this.options.fingerprint,
        maxQueued: this.options.maxQueuedPerPeer ?? 50_000,
        maxBatch: this.options.maxBatch ?? 512,
        maxBackoffMs: 1_000,
        dial: this.options.dialPeer?.(envelope.to),
      })
      this.links.set(envelope.to, link)
    }
    link.send(envelope.message, envelope.inc)
  }

  async stop(): Promise<void> {
    this.handler = undefined
    this.self = undefined
    for (const link of this.links.values()) link.close()
    this.links.clear()
    for (const finish of [...this.calls]) finish()
    this.calls.clear()
  }

  private exchange(
    call: grpc.ServerReadableStream<IncomingBatch, unknown>,
    callback: grpc.sendUnaryData<unknown>,
  ): void {
    let received = 0
    let done = false
    const finish = (error: grpc.ServiceError | null): void => {
      if (done) return
      done = true
      this.calls.delete(end)
      callback(error, error ? undefined : { received: String(received) })
    }
    const end = (): void => finish(null)
    this.calls.add(end)
    call.on('data', (batch: IncomingBatch) => {
      if (batch.scheme_fingerprint !== this.options.fingerprint) {
        this.refusedBatches++
        return finish(
          Object.assign(
            new Error(
              `replication scheme mismatch: ${batch.from} runs ${batch.scheme_fingerprint}, this node ${this.options.fingerprint}`,
            ),
            {
              code: grpc.status.FAILED_PRECONDITION,
              details: 'replication scheme mismatch',
              metadata: new grpc.Metadata(),
            },
          ),
        )
      }
      this.links.get(batch.from)?.heard()
      for (const wire of batch.messages) this.deliver(batch.from, wire, batch.incarnation)
      received += batch.messages.length
    })
    call.on('end', () => finish(null))
    call.on('error', () => finish(null))
    call.on('cancelled', () => finish(null))
  }

  private deliver(from: NodeId, incoming: IncomingMessage, inc: number | undefined): void {
    const handler = this.handler
    if (handler === undefined) return
    if ('malformed' in incoming) {
      this.malformedMessages++
      return
    }
    handler(
      inc === undefined
        ? { from, to: incoming.to, message: incoming.message }
        : { from, to: incoming.to, message: incoming.message, inc },
    )
  }
}
