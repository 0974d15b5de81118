import * as grpc from '@grpc/grpc-js'
import { service as healthService, type ServingStatus } from 'grpc-health-check'
import { logText } from './log-text.js'

/** Open Watch streams a node serves at once: each holds a listener until its client goes away. */
export const MAX_HEALTH_WATCHERS = 1024
/** grpc.health.v1 caps List at 100 services too (a bigger answer is RESOURCE_EXHAUSTED). */
const MAX_LISTED = 100

type Request = { service?: string }
type Listener = (status: ServingStatus) => void

/**
 * Names whose status is computed when asked rather than stored: a node's 10^5 per-token names would otherwise
 * cost a map entry each and a pass over all of them at start and on every fail-silent change.
 */
export interface DerivedHealth {
  /** How many names there are (List refuses more than it may list). */
  readonly size: number
  has(name: string): boolean
  status(name: string): ServingStatus
  /** Every name; asked only when `size` is small enough to list. */
  names(): Iterable<string>
}

const NO_DERIVED: DerivedHealth = { size: 0, has: () => false, status: () => 'UNKNOWN', names: () => [] }

/**
 * The standard grpc.health.v1.Health service over a fixed set of names. grpc-health-check's implementation keeps
 * an entry for every name any client ever watched (an empty set once the client left) and has no bound on open
 * Watch streams, so a client could grow the node by watching new names. Here only the names given at start can
 * have a status or a watcher; a Watch of any other name is told SERVICE_UNKNOWN once and holds nothing, and open
 * Watch streams are bounded.
 */
export class BoundedHealth {
  private readonly statuses = new Map<string, ServingStatus>()
  private readonly listeners = new Map<string, Set<Listener>>()
  /** The status each watched derived name last told its watchers, to tell them only of changes. */
  private readonly derivedSent = new Map<string, ServingStatus>()
  private watcherCount = 0

  constructor(
    private readonly names: ReadonlySet<string>,
    private readonly maxWatchers = MAX_HEALTH_WATCHERS,
    private readonly derived: DerivedHealth = NO_DERIVED,
  ) {}

  get watchers(): number {
    return this.watcherCount
  }

  /** Names that hold a listener set now: never more than the names given at start. */
  get watchedNames(): number {
    return this.listeners.size
  }

  setStatus(name: string, status: ServingStatus): void {
    if (!this.names.has(name)) throw new Error(`health: "${name}" is not one of this node's health names`)
    this.statuses.set(name, status)
    for (const listener of this.listeners.get(name) ?? []) listener(status)
  }

  /** Tells the watchers of derived names whose status changed since they were last told (only watched names are read). */
  refreshDerived(): void {
    for (const [name, sent] of this.derivedSent) {
      const status = this.derived.status(name)
      if (status === sent) continue
      this.derivedSent.set(name, status)
      for (const listener of this.listeners.get(name) ?? []) listener(status)
    }
  }

  private known(name: string): boolean {
    return this.names.has(name) || this.derived.has(name)
  }

  private statusOf(name: string): ServingStatus | undefined {
    if (this.names.has(name)) return this.statuses.get(name)
    return this.derived.has(name) ? this.derived.status(name) : undefined
  }

  addToServer(server: grpc.Server): void {
    server.addService(healthService as grpc.ServiceDefinition, {
      check: (call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        this.check(call, callback),
      watch: (call: grpc.ServerWritableStream<Request, unknown>) => this.watch(call),
      list: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        this.list(callback),
    })
  }

  private check(call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>): void {
    const name = call.request.service ?? ''
    const status = this.statusOf(name)
    if (status !== undefined) return callback(null, { status })
    callback({ code: grpc.status.NOT_FOUND, details: `health status unknown for service ${logText(name, 64)}` })
  }

  private watch(call: grpc.ServerWritableStream<Request, unknown>): void {
    const name = call.request.service ?? ''
    if (!this.known(name)) {
      // Its status can never change: tell the client once and keep nothing for it.
      call.write({ status: 'SERVICE_UNKNOWN' })
      return
    }
    if (this.watcherCount >= this.maxWatchers) {
      call.emit('error', {
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: `more than ${this.maxWatchers} health watchers`,
      })
      return
    }
    const listener: Listener = (status) => {
      call.write({ status })
    }
    this.attach(name, listener)
    call.on('cancelled', () => this.detach(name, listener))
    const status = this.statusOf(name)
    if (!this.names.has(name)) this.derivedSent.set(name, status!)
    call.write({ status: status ?? 'SERVICE_UNKNOWN' })
  }

  private list(callback: grpc.sendUnaryData<unknown>): void {
    if (this.statuses.size + this.derived.size > MAX_LISTED) {
      return callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'Too many services to list.' })
    }
    const derived = [...this.derived.names()].map((name): [string, ServingStatus] => [name, this.derived.status(name)])
    const statuses = Object.fromEntries([...this.statuses, ...derived].map(([name, status]) => [name, { status }]))
    callback(null, { statuses })
  }

  private attach(name: string, listener: Listener): void {
    let set = this.listeners.get(name)
    if (set === undefined) this.listeners.set(name, (set = new Set()))
    set.add(listener)
    this.watcherCount++
  }

  private detach(name: string, listener: Listener): void {
    const set = this.listeners.get(name)
    if (set === undefined || !set.delete(listener)) return
    this.watcherCount--
    if (set.size > 0) return
    this.listeners.delete(name)
    this.derivedSent.delete(name)
  }
}
