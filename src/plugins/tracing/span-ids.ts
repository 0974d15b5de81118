import { randomFillSync } from 'node:crypto'

const POOL_BYTES = 4096
const ZERO_SPAN = '0'.repeat(16)

/**
 * Random trace and span ids (lower-case hex), cut from a pool of random bytes refilled every 4 KiB: one call into
 * the crypto module per few hundred ids rather than one per id.
 */
export class SpanIds {
  private readonly pool = Buffer.alloc(POOL_BYTES)
  private used = POOL_BYTES

  traceId(): string {
    return this.take(16)
  }

  spanId(): string {
    let id = this.take(8)
    // All zeros is no span id by the W3C rules.
    while (id === ZERO_SPAN) id = this.take(8)
    return id
  }

  private take(bytes: number): string {
    if (this.used + bytes > POOL_BYTES) {
      randomFillSync(this.pool)
      this.used = 0
    }
    const hex = this.pool.toString('hex', this.used, this.used + bytes)
    this.used += bytes
    return hex
  }
}
