import protobuf from 'protobufjs'
import { InvalidArgumentError } from '../../src/core/errors.js'
import { formatTraceparent, parseTraceparent } from '../../src/core/protocol/trace-context.js'
import type { IncomingBatch, IncomingMessage } from '../../src/plugins/grpc/replica-batch-codec.js'
import { decodeReplicaBatch, encodeReplicaBatch } from '../../src/plugins/grpc/replica-batch-codec.js'
import { type Normalized, protoType, referenceDecode, type Verdict } from './protobuf-reference.js'

/*
 * How the hand-written ReplicaBatch decoder is compared with the reference (protobuf-reference.ts), message by
 * message: a batch whose own fields do not parse is refused as a whole, a message that does not parse is marked
 * malformed while its batch mates still count. Our decoded messages are turned back into protobuf by our encoder
 * and decoded by the reference, so a field the .proto gains is compared without changes here; what follows is
 * only what the core deliberately does not keep, or refuses although the bytes parse.
 */

const MESSAGE = 'tokenmanager.v1.ReplicaMessage'
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const ZERO_VERSION = { seq: '0', epoch: '0' }

/** ReplicaBatch with its messages as opaque bytes: the frame the batch decoder itself must parse. */
export function batchFrameType(): protobuf.Type {
  const batch = protoType('ReplicaBatch')
  const fields: Record<string, protobuf.IField> = {}
  for (const field of batch.fieldsArray) {
    const opaque = field.resolve().resolvedType?.fullName === `.${MESSAGE}`
    fields[field.name] = {
      id: field.id,
      type: opaque ? 'bytes' : field.type,
      ...(field.repeated ? { rule: 'repeated' } : {}),
    }
  }
  return protobuf.Root.fromJSON({ nested: { ReplicaBatchFrame: { fields } } }).lookupType('ReplicaBatchFrame')
}

const bodyOf = (m: Normalized): string | undefined =>
  protoType('ReplicaMessage').oneofs.body!.oneof.find((name) => m[name] !== undefined)

/** Why the core refuses a message that parses, or undefined when it takes it. */
export function refusedByCore(m: Normalized): string | undefined {
  if (BigInt(m.req_id as string) > MAX_SAFE) return 'req_id beyond 2^53'
  if (BigInt(m.reply_to as string) > MAX_SAFE) return 'reply_to beyond 2^53'
  const body = bodyOf(m)
  if (body === undefined) return 'no body'
  if (body !== 'query_reply' && body !== 'store') return undefined
  const versioned = m[body] as Normalized
  if (versioned.version === undefined) return 'no version'
  const value = versioned.value as Normalized | undefined
  if (value === undefined || !['empty', 'absent', 'token'].some((k) => value[k] !== undefined))
    return 'no register value'
  return undefined
}

/** The reference message as the core sees it: fields it ignores on some bodies reset, absent versions as zero. */
export function coreView(m: Normalized): Normalized {
  const view = structuredClone(m)
  const body = bodyOf(view)
  if (body !== 'query_reply' && body !== 'query_same') delete view.committed
  if (body !== 'query' && body !== 'store') view.writer_epoch = '0'
  if (body !== 'query') view.recover = false
  // The answer fields (AnswerFields) live on answers only.
  if (body !== 'query_reply' && body !== 'query_same' && body !== 'store_ack' && body !== 'lease_grant') {
    view.reply_to = '0'
    view.recovering = false
    view.fence = '0'
    view.fenced = false
    view.fresh = false
  }
  // A trace context is kept on queries and stores only, and only one that parses: a bad one is dropped.
  const trace = body === 'query' || body === 'store' ? parseTraceparent(view.traceparent as string) : undefined
  view.traceparent = trace === undefined ? '' : formatTraceparent(trace)
  const inner = (name: string): Normalized => view[name] as Normalized
  if (body === 'store_ack' && inner('store_ack').lease_holders_known !== true) inner('store_ack').lease_holders = []
  if (body === 'query' && inner('query').known === undefined) inner('query').known_complete = false
  if (body === 'lease_request') inner('lease_request').stored ??= ZERO_VERSION
  if (body === 'lease_grant') inner('lease_grant').committed ??= ZERO_VERSION
  if (body === 'commit') view.commit ??= ZERO_VERSION
  // The decoder reads a lease beyond 2^53 ms as Infinity (refused later as implausible); see ours() below.
  if (body === 'lease_grant' && BigInt(inner('lease_grant').lease_ms as string) > MAX_SAFE)
    inner('lease_grant').lease_ms = String(2 ** 53)
  return view
}

/** What the reference expects of one message's bytes inside a batch. */
export function expectedMessage(bytes: Uint8Array): Verdict {
  const reference = referenceDecode(protoType('ReplicaMessage'), bytes, 1)
  if (!reference.ok) return reference
  const refused = refusedByCore(reference.value)
  return refused === undefined ? { ok: true, value: coreView(reference.value) } : { ok: false, why: refused }
}

/** Our decoded message, re-encoded by our encoder and decoded by the reference. */
export function ourMessage(m: IncomingMessage): Verdict {
  if ('malformed' in m) return { ok: false, why: m.malformed }
  const message =
    m.message.type === 'lease-grant' && m.message.leaseMs === Infinity ? { ...m.message, leaseMs: 2 ** 53 } : m.message
  const frame = batchFrameType().decode(
    encodeReplicaBatch({ from: '', fingerprint: '', messages: [{ to: m.to, message }] }),
  )
  const bytes = (frame as unknown as { messages: Uint8Array[] }).messages[0]!
  const decoded = referenceDecode(protoType('ReplicaMessage'), bytes, 1)
  if (!decoded.ok) throw new Error(`our encoder wrote a message the reference refuses: ${decoded.why}`)
  return decoded
}

/** Our batch decoder's verdict on the batch's own fields: refused (InvalidArgumentError) or the batch. */
export function ourBatch(bytes: Uint8Array): { ok: true; batch: IncomingBatch } | { ok: false; why: string } {
  try {
    return { ok: true, batch: decodeReplicaBatch(Buffer.from(bytes)) }
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error
    return { ok: false, why: error.message }
  }
}
