import type { BenchTarget, OpKind } from '../../bin/load/bench-target.js'
import { echoService } from './bench-protos.js'
import { UnaryClient } from '../../bin/load/unary-client.js'

/** The ceiling: the same unary call machinery against a server that only echoes. Reads and writes are alike. */
export class EchoTarget implements BenchTarget {
  readonly name = 'echo'
  private readonly client: UnaryClient
  private readonly payload: Buffer
  private readonly keys: string[]

  constructor(
    address: string,
    keys: number,
    valueBytes: number,
    private readonly timeoutMs: number,
  ) {
    this.client = new UnaryClient(address, echoService())
    this.payload = Buffer.alloc(valueBytes, 'v')
    this.keys = Array.from({ length: keys }, (_, i) => String(i))
  }

  get keyCount(): number {
    return this.keys.length
  }

  prepare(timeoutMs: number): Promise<void> {
    return this.client.ready(timeoutMs)
  }

  run(_kind: OpKind, key: number): Promise<void> {
    return this.client
      .call('Echo', { key: this.keys[key], payload: this.payload }, this.timeoutMs)
      .then(() => undefined)
  }

  close(): void {
    this.client.close()
  }
}
