import type { Envelope } from '../../core/protocol/messages.js'

/**
 * Encodes envelopes to text and back, bigints exactly, so that the in-process transport copies nothing by
 * reference and encoding mistakes show up in tests as they would on the wire.
 */
export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope, (_key, value: unknown) =>
    typeof value === 'bigint' ? { $u64: value.toString() } : value,
  )
}

export function decodeEnvelope(text: string): Envelope {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && '$u64' in value) return BigInt((value as { $u64: string }).$u64)
    return value
  }) as Envelope
}
