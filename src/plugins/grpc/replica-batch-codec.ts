import * as grpc from '@grpc/grpc-js'
import protobuf from 'protobufjs/minimal.js'
import type { AnswerFields, KnownVersion, NodeId } from '../../core/protocol/messages.js'
import type { Timestamp } from '../../core/protocol/timestamp.js'
import { formatTraceparent } from '../../core/protocol/trace-context.js'
import type { RegisterValue } from '../../core/token/token-value.js'
import { loadTokenManagerPackage } from './proto.js'
import { decodeReplicaBatch, type OutgoingMessage } from './replica-batch-decoder.js'
import {
  LEN,
  tag,
  writeBool,
  writeEmpty,
  writeString,
  writeTokenFields,
  writeU64,
  writeVersion,
} from './protobuf-fields.js'

/*
 * ReplicaBatch (proto/tokenmanager/v1/token_manager.proto) encoded by hand, straight from the core's message
 * types (replica-batch-decoder.ts decodes it). The generic path (proto-loader: objects with uint64 as decimal
 * strings, fromObject / toObject, then our conversion to bigint) cost a fifth of a replica's CPU under load; this
 * is the same wire format, field for field, and the compliance and fuzz suites talk to it through proto-loader
 * clients.
 */

export type { IncomingBatch, IncomingMessage, OutgoingMessage } from './replica-batch-decoder.js'
export { decodeReplicaBatch }

export interface OutgoingBatch {
  readonly from: NodeId
  readonly fingerprint: string
  readonly messages: readonly OutgoingMessage[]
  readonly incarnation?: number
}

const { Writer } = protobuf
type ProtoWriter = protobuf.Writer

function writeVersioned(w: ProtoWriter, field: number, ts: Timestamp, value: RegisterValue): void {
  w.uint32(tag(field, LEN)).fork()
  writeVersion(w, 1, ts)
  w.uint32(tag(2, LEN)).fork()
  if (value.kind === 'empty') writeEmpty(w, 1)
  else if (value.kind === 'absent') writeEmpty(w, 2)
  else {
    w.uint32(tag(3, LEN)).fork()
    writeTokenFields(w, value.token, 1)
    w.ldelim()
  }
  w.ldelim()
  w.ldelim()
}

function writeQuery(w: ProtoWriter, known: KnownVersion | undefined): void {
  if (known === undefined) return writeEmpty(w, 4)
  w.uint32(tag(4, LEN)).fork()
  writeVersion(w, 1, known.ts)
  writeBool(w, 2, known.complete)
  w.ldelim()
}

function writeStoreAck(w: ProtoWriter, holders: readonly NodeId[] | undefined): void {
  if (holders === undefined) return writeEmpty(w, 7)
  w.uint32(tag(7, LEN)).fork()
  for (const holder of holders) w.uint32(tag(1, LEN)).string(holder)
  writeBool(w, 2, true)
  w.ldelim()
}

function writeLeaseRequest(w: ProtoWriter, ts: Timestamp): void {
  w.uint32(tag(9, LEN)).fork()
  writeVersion(w, 1, ts)
  w.ldelim()
}

function writeLeaseGrant(w: ProtoWriter, leaseMs: number, committed: Timestamp): void {
  w.uint32(tag(10, LEN)).fork()
  writeU64(w, 1, BigInt(leaseMs))
  writeVersion(w, 2, committed)
  w.ldelim()
}

function writeAnswerFields(w: ProtoWriter, m: AnswerFields): void {
  if (m.re !== undefined) writeU64(w, 14, BigInt(m.re))
  if (m.recovering === true) writeBool(w, 15, true)
  if (m.fence !== undefined) writeU64(w, 16, m.fence)
  if (m.fenced === true) writeBool(w, 17, true)
  if (m.fresh === true) writeBool(w, 19, true)
}

function writeMessage(w: ProtoWriter, { to, message: m }: OutgoingMessage): void {
  w.uint32(tag(3, LEN)).fork()
  writeU64(w, 1, BigInt(m.reqId))
  writeString(w, 2, m.token)
  writeString(w, 3, to)
  switch (m.type) {
    case 'query':
      writeQuery(w, m.known)
      break
    case 'query-same':
      writeEmpty(w, 8)
      break
    case 'query-reply':
      writeVersioned(w, 5, m.ts, m.value)
      break
    case 'store':
      writeVersioned(w, 6, m.ts, m.value)
      break
    case 'store-ack':
      writeStoreAck(w, m.holders)
      break
    case 'lease-request':
      writeLeaseRequest(w, m.ts)
      break
    case 'lease-grant':
      writeLeaseGrant(w, m.leaseMs, m.committed)
      break
    case 'commit':
      writeVersion(w, 11, m.ts)
      break
  }
  if ((m.type === 'query-same' || m.type === 'query-reply') && m.committed !== undefined)
    writeVersion(w, 12, m.committed)
  if ((m.type === 'query' || m.type === 'store') && m.writerEpoch !== undefined) writeU64(w, 13, m.writerEpoch)
  if (m.type === 'query' && m.recover === true) writeBool(w, 18, true)
  if ((m.type === 'query' || m.type === 'store') && m.trace !== undefined)
    writeString(w, 20, formatTraceparent(m.trace))
  if (m.type === 'query-reply' || m.type === 'query-same' || m.type === 'store-ack' || m.type === 'lease-grant')
    writeAnswerFields(w, m)
  w.ldelim()
}

export function encodeReplicaBatch(batch: OutgoingBatch): Buffer {
  const w = Writer.create()
  writeString(w, 1, batch.from)
  writeString(w, 2, batch.fingerprint)
  for (const message of batch.messages) writeMessage(w, message)
  if (batch.incarnation !== undefined) writeU64(w, 4, BigInt(batch.incarnation))
  const bytes = w.finish()
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

let fastService: grpc.ServiceDefinition | undefined
let fastClient: grpc.ServiceClientConstructor | undefined

/** ReplicaService as proto-loader defines it, with this codec for the batches (the summary keeps the generic one). */
export function replicaServiceDefinition(): grpc.ServiceDefinition {
  if (fastService !== undefined) return fastService
  const generic = loadTokenManagerPackage().ReplicaService.service
  fastService = {
    Exchange: {
      ...generic.Exchange!,
      requestSerialize: encodeReplicaBatch as (value: unknown) => Buffer,
      requestDeserialize: decodeReplicaBatch,
    },
  } as grpc.ServiceDefinition
  return fastService
}

/** A ReplicaService client whose Exchange stream takes OutgoingBatch objects. */
export function replicaClientConstructor(): grpc.ServiceClientConstructor {
  fastClient ??= grpc.makeClientConstructor(
    replicaServiceDefinition() as grpc.ServiceDefinition<grpc.UntypedServiceImplementation>,
    'ReplicaService',
  )
  return fastClient
}
