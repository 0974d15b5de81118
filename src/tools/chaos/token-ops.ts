import { registerValue } from '../../client/history-records.js'
import type { LifecycleResult, ReadResult, TokenWrite, Version, WriteResult } from '../../client/wire-results.js'
import type { RegisterResult } from '../../core/checker/history.js'
import type { ChaosClients } from './chaos-clients.js'
import type { AckedWrite } from './lost-writes.js'

/** What one operation gave back: its result, or the error it threw (the library already recorded it). */
export type Recorded<T> = { readonly ok: true; readonly reply: T } | { readonly ok: false; readonly error: unknown }

/**
 * The client operations of the chaos run, each recorded in the history by the client library: writes, creates and
 * drops at the token's writer, reads at a random reader with failover on no answer (the whole read is one
 * operation). Every acknowledged writer operation is kept with the version its reply carries, for the lost-write
 * count.
 */
export class TokenOps {
  readonly acked: AckedWrite[] = []

  constructor(private readonly clients: ChaosClients) {}

  read(client: string, token: string): Promise<Recorded<ReadResult>> {
    return settled(this.clients.client(client).read(token, this.clients.readCall()))
  }

  async write(client: string, token: string, value: TokenWrite): Promise<Recorded<WriteResult>> {
    const recorded = await settled(this.clients.client(client).write(token, value, this.clients.writeCall()))
    if (recorded.ok) this.ack(token, { kind: 'value', value: writtenValue(value) }, recorded.reply.version)
    return recorded
  }

  async create(client: string, token: string): Promise<Recorded<LifecycleResult>> {
    const recorded = await settled(this.clients.client(client).create(token, this.clients.writeCall()))
    if (recorded.ok) this.ack(token, { kind: 'empty' }, recorded.reply.version)
    return recorded
  }

  async drop(client: string, token: string): Promise<Recorded<LifecycleResult>> {
    const recorded = await settled(this.clients.client(client).drop(token, this.clients.writeCall()))
    if (recorded.ok) this.ack(token, { kind: 'not-found' }, recorded.reply.version)
    return recorded
  }

  private ack(token: string, expected: RegisterResult, version: Version): void {
    this.acked.push({ token, expected, version })
  }
}

/** What a read returned, as the register model compares it (the value the library records for the read). */
export function readRegisterResult(read: ReadResult): RegisterResult {
  if (!read.written) return { kind: 'empty' }
  return { kind: 'value', value: writtenValue({ name: read.name!, low: read.low!, mid: read.mid!, high: read.high! }) }
}

function writtenValue(value: TokenWrite): string {
  return registerValue({ name: value.name, low: String(value.low), mid: String(value.mid), high: String(value.high) })
}

function settled<T>(call: Promise<T>): Promise<Recorded<T>> {
  return call.then(
    (reply) => ({ ok: true, reply }),
    (error: unknown) => ({ ok: false, error }),
  )
}
