import type { BenchTarget, OpKind } from '../../bin/load/bench-target.js'
import { etcdKvService } from './bench-protos.js'
import { UnaryClient } from '../../bin/load/unary-client.js'

export interface EtcdTargetOptions {
  readonly endpoints: readonly string[]
  readonly keys: number
  readonly valueBytes: number
  readonly timeoutMs: number
}

/**
 * etcd through its gRPC KV API: a read is a linearizable Range of one key (serializable = false, etcd's default),
 * a write a Put. Calls go round robin over the members, as etcd's own client balancer does; a follower forwards
 * a Put to the leader and asks it for a read index on a Range.
 */
export class EtcdTarget implements BenchTarget {
  readonly name = 'etcd'
  private readonly clients: UnaryClient[]
  private readonly keys: Buffer[]
  private readonly value: Buffer
  private turn = 0

  constructor(private readonly options: EtcdTargetOptions) {
    const ctor = etcdKvService()
    this.clients = options.endpoints.map((e) => new UnaryClient(e, ctor))
    this.keys = Array.from({ length: options.keys }, (_, i) => Buffer.from(`bench/${i}`))
    this.value = Buffer.alloc(options.valueBytes, 'v')
  }

  get keyCount(): number {
    return this.keys.length
  }

  async prepare(timeoutMs: number): Promise<void> {
    await Promise.all(this.clients.map((c) => c.ready(timeoutMs)))
    await Promise.all(this.keys.map((_, key) => this.run('write', key)))
  }

  run(kind: OpKind, key: number): Promise<void> {
    const client = this.clients[this.turn++ % this.clients.length]!
    if (kind === 'read')
      return client.call('Range', { key: this.keys[key], serializable: false }, this.options.timeoutMs).then(ignore)
    return client.call('Put', { key: this.keys[key], value: this.value }, this.options.timeoutMs).then(ignore)
  }

  close(): void {
    for (const client of this.clients) client.close()
  }
}

function ignore(): void {}
