import type { RegisterResult } from '../../core/checker/history.js'
import { registerValue } from '../../bin/client/history-recorder.js'
import { isNoAnswer, RpcError } from '../../bin/client/rpc-error.js'
import type { LifecycleReply, ReadReply, WireVersion, WriteReply, WriteRequest } from '../../bin/client/token-client.js'
import type { ChaosRecorder, Recorded } from './chaos-recorder.js'
import type { ClientPool } from './client-pool.js'
import type { AckedWrite, Version } from './lost-writes.js'

export interface TokenNodes {
  readonly writer: string
  readonly readers: readonly string[]
}

/**
 * The client operations of the chaos run, each recorded in the history: writes, creates and drops at the token's
 * writer, reads at a random reader with one failover to another on no answer (the whole read is one operation).
 * Every acknowledged writer operation is kept with the version its reply carries, for the lost-write count.
 */
export class TokenOps {
  readonly acked: AckedWrite[] = []

  constructor(
    private readonly recorder: ChaosRecorder,
    private readonly pool: ClientPool,
    private readonly nodes: ReadonlyMap<string, TokenNodes>,
  ) {}

  read(client: string, token: string, random: () => number = Math.random): Promise<Recorded<ReadReply>> {
    const readers = this.nodesOf(token).readers
    const first = Math.floor(random() * readers.length)
    const order = [readers[first]!, ...(readers.length > 1 ? [readers[(first + 1) % readers.length]!] : [])]
    return this.recorder.record(client, token, { kind: 'read' }, () => this.readFrom(order, token), readResult)
  }

  async write(client: string, token: string, fields: Omit<WriteRequest, 'id'>): Promise<Recorded<WriteReply>> {
    const value = registerValue(fields)
    const recorded = await this.recorder.record(
      client,
      token,
      { kind: 'write', value },
      () => this.pool.write(this.nodesOf(token).writer, { id: token, ...fields }),
      () => ({ kind: 'ok' }),
    )
    if (recorded.ok) this.ack(token, { kind: 'value', value }, recorded.reply.version)
    return recorded
  }

  async create(client: string, token: string): Promise<Recorded<LifecycleReply>> {
    const recorded = await this.recorder.record(
      client,
      token,
      { kind: 'create' },
      () => this.pool.create(this.nodesOf(token).writer, token),
      () => ({ kind: 'ok' }),
    )
    if (recorded.ok) this.ack(token, { kind: 'empty' }, recorded.reply.version)
    return recorded
  }

  async drop(client: string, token: string): Promise<Recorded<LifecycleReply>> {
    const recorded = await this.recorder.record(
      client,
      token,
      { kind: 'drop' },
      () => this.pool.drop(this.nodesOf(token).writer, token),
      () => ({ kind: 'ok' }),
    )
    if (recorded.ok) this.ack(token, { kind: 'not-found' }, recorded.reply.version)
    return recorded
  }

  private async readFrom(order: readonly string[], token: string): Promise<ReadReply> {
    let last: unknown
    for (const node of order) {
      try {
        return await this.pool.read(node, token)
      } catch (error) {
        if (!(error instanceof RpcError) || !isNoAnswer(error)) throw error
        last = error
      }
    }
    throw last
  }

  private ack(token: string, expected: RegisterResult, version: WireVersion | null): void {
    this.acked.push({ token, expected, version: versionOf(version) })
  }

  private nodesOf(token: string): TokenNodes {
    const nodes = this.nodes.get(token)
    if (nodes === undefined) throw new Error(`token ${token} is not in the chaos scheme`)
    return nodes
  }
}

export function readResult(reply: ReadReply): RegisterResult {
  return reply.written ? { kind: 'value', value: registerValue(reply) } : { kind: 'empty' }
}

export function versionOf(version: WireVersion | null | undefined): Version {
  return version == null ? { seq: 0n, epoch: 0n } : { seq: BigInt(version.seq), epoch: BigInt(version.epoch) }
}
