import type * as grpc from '@grpc/grpc-js'
import { isUtf8 } from 'node:buffer'

/** Set on a decoded request whose top-level strings were not valid UTF-8 (the decoder silently replaces them). */
export const INVALID_UTF8 = Symbol('invalid-utf8')

/**
 * The service with request decoders that flag invalid UTF-8. Proto3 strings must be UTF-8, but protobufjs turns
 * bad bytes (a lone surrogate from a JS client, raw garbage) into U+FFFD, so two different names would hash alike.
 * Checks the top-level string fields of each request (ours are flat); `service` comes from proto-loader.
 */
export function withStrictUtf8(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const strict: Record<string, grpc.MethodDefinition<unknown, unknown>> = {}
  for (const [name, method] of Object.entries(service)) {
    const strings = stringFieldNumbers(method)
    strict[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        const request = method.requestDeserialize(bytes) as Record<PropertyKey, unknown>
        if (!stringsAreUtf8(bytes, strings)) request[INVALID_UTF8] = true
        return request
      },
    }
  }
  return strict
}

/** The numbers of the request message's string fields, from proto-loader's descriptor. */
function stringFieldNumbers(method: grpc.MethodDefinition<unknown, unknown>): ReadonlySet<number> {
  const type = (method as { requestType?: { type?: { field?: { number: number; type: string }[] } } }).requestType?.type
  return new Set((type?.field ?? []).filter((f) => f.type === 'TYPE_STRING').map((f) => f.number))
}

/** Walks the top-level fields of a protobuf message; false when one of the `strings` fields is not UTF-8. */
export function stringsAreUtf8(bytes: Uint8Array, strings: ReadonlySet<number>): boolean {
  let at = 0
  const varint = (): number => {
    let value = 0
    for (let shift = 0; shift < 64; shift += 7) {
      if (at >= bytes.length) throw new RangeError('truncated')
      const byte = bytes[at++]!
      if (shift < 49) value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return value
    }
    throw new RangeError('varint too long')
  }
  try {
    while (at < bytes.length) {
      const tag = varint()
      const wireType = tag % 8
      if (wireType === 0) varint()
      else if (wireType === 1) at += 8
      else if (wireType === 5) at += 4
      else if (wireType === 2) {
        const length = varint()
        if (strings.has(Math.floor(tag / 8)) && !isUtf8(bytes.subarray(at, at + length))) return false
        at += length
      } else return true // groups: nothing of ours; the decoder already accepted the message
    }
  } catch {
    return true // the decoder accepted what this walker cannot follow: nothing to add
  }
  return true
}
