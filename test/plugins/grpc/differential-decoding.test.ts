import test, { type ExecutionContext } from 'ava'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { INVALID_UTF8 } from '../../../src/plugins/grpc/strict-utf8.js'
import {
  decodeReadRequest,
  decodeWriteRequest,
  type TokenRequest,
} from '../../../src/plugins/grpc/token-service-codec.js'
import { encodedArbitrary, mutate, mutationArbitrary } from '../../support/protobuf-mutations.js'
import { type Normalized, protoType, referenceDecode, type Verdict } from '../../support/protobuf-reference.js'
import { batchFrameType, expectedMessage, ourBatch, ourMessage } from '../../support/replica-message-view.js'

/*
 * Differential fuzzing of the hand-written decoders against protobufjs (test/support/protobuf-reference.ts):
 * random valid messages encoded by protobufjs, then random mutations (truncation, flipped and inserted bytes,
 * duplicated, moved and deleted fields, other wire types, field 0, over-long and overflowing varints, lying
 * lengths, unknown fields and groups). Both must refuse, or both accept with the same values. Where we are
 * stricter than protobufjs on purpose (field 0, wire types, UTF-8, varint widths; see wire-reader.ts), the
 * reference applies the same rules. FUZZ_RUNS raises the number of runs.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150)
const mutations = fc.array(mutationArbitrary, { minLength: 0, maxLength: 3 })

/** Counts verdicts, so that a property that only ever sees refusals (or acceptances) fails instead of passing. */
class Tally {
  accepted = 0
  refused = 0

  add(verdict: Verdict): void {
    if (verdict.ok) this.accepted++
    else this.refused++
  }

  check(t: ExecutionContext, what: string): void {
    t.log(`${what}: ${this.accepted} accepted, ${this.refused} refused`)
    // Not vacuous: some inputs must get through. A share like 10 % flaked (query_reply bodies are accepted 8-22 %
    // of the time, by the seed), so a small count that still proves both verdicts were exercised.
    t.true(this.accepted >= Math.max(5, 0.02 * (this.accepted + this.refused)), `${what}: too few accepted`)
    t.true(this.refused >= 0.1 * (this.accepted + this.refused), `${what}: too few refused`)
  }
}

function agree(ours: Verdict, expected: Verdict, bytes: Uint8Array, what: string): void {
  const hex = Buffer.from(bytes).toString('hex')
  if (ours.ok !== expected.ok) {
    throw new Error(
      `${what} ${hex}: ours ${ours.ok ? 'accepts' : `refuses (${ours.why})`}, reference ${expected.ok ? 'accepts' : `refuses (${expected.why})`}`,
    )
  }
  if (ours.ok && expected.ok && !isDeepStrictEqual(ours.value, expected.value)) {
    throw new Error(`${what} ${hex}: ours ${JSON.stringify(ours.value)}, reference ${JSON.stringify(expected.value)}`)
  }
}

/** Our verdict on a token request: a throw or a flagged string (INVALID_ARGUMENT) refuses; else its fields. */
function ourRequest(
  decode: (bytes: Buffer) => TokenRequest,
  fieldNames: readonly string[],
  bytes: Uint8Array,
): Verdict {
  let request: TokenRequest
  try {
    request = decode(Buffer.from(bytes))
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error
    return { ok: false, why: error.message }
  }
  // Stricter than protobufjs on purpose: it replaces invalid UTF-8; we answer INVALID_ARGUMENT.
  if (request[INVALID_UTF8]) return { ok: false, why: 'string not UTF-8 (INVALID_ARGUMENT)' }
  const value: Normalized = {}
  for (const name of fieldNames) {
    const field = (request as unknown as Record<string, unknown>)[name]
    value[name] = typeof field === 'bigint' ? field.toString() : field
  }
  return { ok: true, value }
}

for (const [name, decode] of [
  ['ReadRequest', decodeReadRequest],
  ['WriteRequest', decodeWriteRequest],
] as const) {
  test(`${name}: the hand decoder refuses exactly what the reference refuses and otherwise reads the same fields`, (t) => {
    const type = protoType(name)
    const names = type.fieldsArray.map((f) => f.name)
    const tally = new Tally()
    fc.assert(
      fc.property(encodedArbitrary(type), mutations, (valid, plan) => {
        const bytes = mutate(type, valid, plan)
        const expected = referenceDecode(type, bytes)
        tally.add(expected)
        agree(ourRequest(decode, names, bytes), expected, bytes, name)
      }),
      { numRuns: RUNS * 4, includeErrorInReport: true },
    )
    tally.check(t, name)
  })
}

/** Checks one batch: its own fields by the frame, then every message by itself. */
function checkBatch(bytes: Uint8Array, tally: Tally): void {
  const frame = referenceDecode(batchFrameType(), bytes)
  const ours = ourBatch(bytes)
  if (!frame.ok || !ours.ok) {
    agree(
      ours.ok ? { ok: true, value: {} } : ours,
      frame.ok ? { ok: true, value: {} } : frame,
      bytes,
      'ReplicaBatch frame',
    )
    tally.add(frame)
    return
  }
  const { messages, ...own } = frame.value
  // An incarnation beyond 2^53 is no node's: the decoder reads it as absent, like 0.
  if (BigInt(own.incarnation as string) > BigInt(Number.MAX_SAFE_INTEGER)) own.incarnation = '0'
  const incarnation = String(ours.batch.incarnation ?? 0)
  agree(
    { ok: true, value: { from: ours.batch.from, scheme_fingerprint: ours.batch.scheme_fingerprint, incarnation } },
    { ok: true, value: own },
    bytes,
    'ReplicaBatch fields',
  )
  const raw = (messages as string[]).map((hex) => Buffer.from(hex, 'hex'))
  if (raw.length !== ours.batch.messages.length)
    throw new Error(
      `batch ${Buffer.from(bytes).toString('hex')}: ${raw.length} messages, ours ${ours.batch.messages.length}`,
    )
  raw.forEach((message, i) => {
    const expected = expectedMessage(message)
    tally.add(expected)
    agree(ourMessage(ours.batch.messages[i]!), expected, message, `ReplicaMessage ${i}`)
  })
}

test('ReplicaBatch: the hand decoder refuses batches and messages exactly as the reference does, else reads the same', (t) => {
  const type = protoType('ReplicaBatch')
  const tally = new Tally()
  fc.assert(
    fc.property(encodedArbitrary(type), mutations, (valid, plan) => checkBatch(mutate(type, valid, plan), tally)),
    { numRuns: RUNS * 2, includeErrorInReport: true },
  )
  tally.check(t, 'ReplicaBatch')
})

for (const body of protoType('ReplicaMessage').oneofs.body!.oneof) {
  test(`ReplicaMessage with a ${body} body: refused exactly as the reference refuses it, else read the same`, (t) => {
    const type = protoType('ReplicaMessage')
    const tally = new Tally()
    const frame = batchFrameType()
    fc.assert(
      fc.property(encodedArbitrary(type, body), mutations, (valid, plan) => {
        const message = mutate(type, valid, plan)
        checkBatch(
          frame.encode(frame.fromObject({ from: 'a:1', scheme_fingerprint: 'f', messages: [message] })).finish(),
          tally,
        )
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    )
    tally.check(t, body)
  })
}
