import type { Clock } from '../../core/ports/clock.js'
import type { MessageHandler, Transport } from '../../core/ports/transport.js'
import type { Envelope, NodeId } from '../../core/protocol/messages.js'
import { decodeEnvelope, encodeEnvelope } from './envelope-codec.js'
import type { SeededRandom } from './seeded-random.js'

export interface NetworkOptions {
  /** Each message's delay is uniform in [minDelayMs, maxDelayMs]: independent delays reorder messages. */
  readonly minDelayMs: number
  readonly maxDelayMs: number
  /** Probability that a message takes `slowDelayMs` extra (a straggler). */
  readonly slowProbability: number
  readonly slowDelayMs: number
  /** Probability that a message is delivered twice. */
  readonly duplicateProbability: number
  /** Probability that a message is lost (fair-loss links); none when omitted, and then nothing is drawn for it. */
  readonly lossProbability?: number
}

export const DEFAULT_NETWORK: NetworkOptions = {
  minDelayMs: 0,
  maxDelayMs: 2,
  slowProbability: 0,
  slowDelayMs: 0,
  duplicateProbability: 0,
}

/**
 * Watches the network without changing it (a replay recorder): what was sent, cut, and reached its node's socket.
 * `sent` returns the copy's id, handed back to `arrived`.
 */
export interface NetworkObserver {
  sent(envelope: Envelope, delayMs: number): number
  dropped(envelope: Envelope): void
  /** `attached`: a node listened there (a copy to a node being restarted is lost). */
  arrived(copy: number, attached: boolean): void
}

/**
 * An in-process network of nodes: every send is encoded, delayed by a random draw from the seeded PRNG and
 * delivered through the clock's timers. With SimulatedTime a whole run is a function of the seed.
 */
export class SimulatedNetwork {
  private readonly handlers = new Map<NodeId, MessageHandler>()
  private readonly cut = new Set<string>()
  delivered = 0
  sent = 0
  /** Messages the links lost (lossProbability). */
  lost = 0
  /** Set by a recorder; it draws nothing from the PRNG, so a run is the same with or without it. */
  observer: NetworkObserver | undefined

  constructor(
    private readonly clock: Clock,
    private readonly random: SeededRandom,
    private readonly options: NetworkOptions = DEFAULT_NETWORK,
  ) {}

  /** A Transport endpoint for one node. */
  endpoint(): Transport {
    return new InProcessTransport(this)
  }

  /** Stops delivery from `a` to `b` (one direction) until `heal`. */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`)
  }

  heal(): void {
    this.cut.clear()
  }

  attach(node: NodeId, handler: MessageHandler): void {
    if (this.handlers.has(node)) throw new Error(`node ${node} is already attached to the network`)
    this.handlers.set(node, handler)
  }

  detach(node: NodeId): void {
    this.handlers.delete(node)
  }

  send(envelope: Envelope): void {
    this.sent++
    if (this.cut.has(`${envelope.from}>${envelope.to}`)) {
      this.observer?.dropped(envelope)
      return
    }
    const loss = this.options.lossProbability
    if (loss !== undefined && loss > 0 && this.random.chance(loss)) {
      this.lost++
      this.observer?.dropped(envelope)
      return
    }
    const wire = encodeEnvelope(envelope)
    const copies = this.random.chance(this.options.duplicateProbability) ? 2 : 1
    for (let i = 0; i < copies; i++) {
      const delayMs = this.delayMs()
      const copy = this.observer?.sent(envelope, delayMs)
      this.clock.setTimer(delayMs, () => {
        const handler = this.handlers.get(envelope.to)
        if (copy !== undefined) this.observer?.arrived(copy, handler !== undefined)
        if (handler === undefined) return
        this.delivered++
        handler(decodeEnvelope(wire))
      })
    }
  }

  private delayMs(): number {
    const { minDelayMs, maxDelayMs, slowProbability, slowDelayMs } = this.options
    const base = minDelayMs + this.random.next() * (maxDelayMs - minDelayMs)
    return this.random.chance(slowProbability) ? base + slowDelayMs : base
  }
}

/** One node's endpoint on a SimulatedNetwork. */
export class InProcessTransport implements Transport {
  private self: NodeId | undefined

  constructor(private readonly network: SimulatedNetwork) {}

  async start(self: NodeId, handler: MessageHandler): Promise<void> {
    this.network.attach(self, handler)
    this.self = self
  }

  send(envelope: Envelope): void {
    if (this.self === undefined) return
    this.network.send(envelope)
  }

  async stop(): Promise<void> {
    if (this.self !== undefined) this.network.detach(this.self)
    this.self = undefined
  }
}
