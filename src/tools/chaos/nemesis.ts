import { appendFileSync } from 'node:fs'
import type { ChaosCluster } from './chaos-cluster.js'
import { Availability } from './availability.js'
import type { ChaosToken } from './chaos-scheme.js'
import { replicasOf } from './chaos-scheme.js'
import type { SeededRandom } from '../../plugins/in-process/seeded-random.js'
import { sleep } from './workload.js'

export type FaultKind = 'silence' | 'kill' | 'wipe' | 'clock-step' | 'slow' | 'kill-all'
export const FAULT_KINDS: readonly FaultKind[] = ['silence', 'kill', 'wipe', 'clock-step', 'slow', 'kill-all']

export interface NemesisOptions {
  readonly durationMs: number
  /** Pause between two faults, uniform in [min, max]. */
  readonly intervalMs: readonly [number, number]
  /** How long a killed node stays down before its restart. */
  readonly downMs: readonly [number, number]
  /** How long a link stays slow. */
  readonly slowMs: readonly [number, number]
  /** Chance that a fault is injected although it leaves some token without a live majority. */
  readonly overQuorumChance: number
  /** When the kill-every-node round happens, as a fraction of the duration. */
  readonly killAllAt: number
  /**
   * How long a node restarted without its data dir counts as lacking state (its recovery may wait for the settle
   * time, the operation timeout): no other fault may then take a replica of its tokens.
   */
  readonly recoveryMs: number
}

export interface NemesisEvent {
  readonly atMs: number
  readonly what: string
}

/** Makes a node fail-silent for a token (AdminService FailSilent); rejects when the node did not confirm. */
export type Silencer = (node: string, token: string) => Promise<void>

/**
 * Injects faults on the live cluster, one at a time, chosen by the seeded random: per-token silences (which last
 * until the node restarts), kill -9 with a restart on the same data dir later, kill -9 with the data dir deleted
 * (the node restarts without state and recovers it), wall-clock steps, slow links (the node's delay proxy), and
 * once a kill of every node at once. It tracks which replicas of each token are unavailable (down, silent for it,
 * or recovering its state) and keeps each token's count within its fault budget (a minority), except with
 * `overQuorumChance` (never for a node without state). Slow nodes still answer, so they do not count. The first
 * five faults are one of each kind, so even a short run sees all of them.
 */
export class Nemesis {
  readonly faults: Record<FaultKind, number> = { silence: 0, kill: 0, wipe: 0, 'clock-step': 0, slow: 0, 'kill-all': 0 }
  overQuorum = 0
  readonly events: NemesisEvent[] = []
  readonly errors: string[] = []
  private readonly availability: Availability
  private readonly pending: { atMs: number; node: number; kind: 'restart' | 'unslow' | 'recovered' }[] = []
  /** Nodes restarted without their data dir whose recovery window is open (they count as down). */
  private readonly wiped = new Set<number>()
  /** Restarts in progress: they run in the background (a start can take seconds), the node counts as down. */
  private readonly starting = new Map<number, Promise<void>>()
  private injected = 0

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly tokens: readonly ChaosToken[],
    private readonly silence: Silencer,
    private readonly random: SeededRandom,
    private readonly options: NemesisOptions,
    /** Events are appended here as they happen (JSON lines), so a run that dies still shows what it did. */
    private readonly eventsFile?: string,
  ) {
    this.availability = new Availability(tokens)
  }

  async run(): Promise<void> {
    const startMs = Date.now()
    const endMs = startMs + this.options.durationMs
    const killAllAtMs = startMs + this.options.durationMs * this.options.killAllAt
    let nextFaultMs = startMs + this.random.int(...this.options.intervalMs) / 2
    let killedAll = false
    while (Date.now() < endMs) {
      await this.runDue()
      if (!killedAll && Date.now() >= killAllAtMs) {
        killedAll = true
        await this.killAll()
      } else if (Date.now() >= nextFaultMs) {
        await this.inject()
        nextFaultMs = Date.now() + this.random.int(...this.options.intervalMs)
      }
      await sleep(25)
    }
  }

  /** Ends every fault: links fast again, down nodes restarted, nodes silent for some token restarted (kill -9). */
  async heal(): Promise<void> {
    this.pending.length = 0
    await Promise.all(this.starting.values())
    for (const node of this.cluster.nodes) node.proxy.setDelay({ delayMs: 0, jitterMs: 0 })
    const silenced = this.availability.silencedNodes()
    await Promise.all(silenced.map((n) => this.cluster.kill(n)))
    await this.startEvery()
    this.note(`heal: links fast, restarted ${silenced.length} silenced node(s), all nodes up`)
  }

  /** Starts every node that is down, retrying a node that failed to start (bounded); throws if one never does. */
  private async startEvery(attempts = 3): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const down = this.cluster.nodes.map((n) => n.index).filter((i) => !this.cluster.isUp(i))
      if (down.length === 0) return
      await this.startAll(down)
    }
    const down = this.cluster.nodes.map((n) => n.index).filter((i) => !this.cluster.isUp(i))
    if (down.length > 0)
      throw new Error(
        `node(s) ${down.join(', ')} did not restart in ${attempts} attempts: ${this.errors.slice(-down.length).join('; ')}`,
      )
  }

  /** kill -9 every node at once, then start them all again on their data dirs. */
  async killAll(): Promise<void> {
    await Promise.all(this.starting.values())
    this.faults['kill-all']++
    await Promise.all(this.cluster.nodes.map((n) => this.cluster.kill(n.index)))
    this.note('kill -9 every node')
    for (const n of this.cluster.nodes) this.availability.markDown(n.index)
    await sleep(this.random.int(200, 1_000))
    await this.startEvery()
  }

  private async inject(): Promise<void> {
    // The first five are one of each kind; a wipe goes early, while the fault budgets still have room for it.
    const kinds: FaultKind[] = ['wipe', 'silence', 'clock-step', 'kill', 'slow']
    const forced = this.injected < kinds.length
    const kind = forced ? kinds[this.injected]! : this.random.pick(kinds)
    const before = this.faults[kind]
    if (kind === 'silence') await this.silenceOne()
    else if (kind === 'kill') await this.killOne()
    else if (kind === 'wipe') await this.killOne(true)
    else if (kind === 'clock-step') this.stepClockOne()
    else this.slowOne()
    // A forced kind that did not fit the budgets now is tried again at the next fault (bounded: the run ends).
    if (!forced || this.faults[kind] > before || kind === 'clock-step') this.injected++
  }

  /** A wall clock stepped by up to an hour either way (NTP step, VM snapshot restore); monotonic time is untouched. */
  private stepClockOne(): void {
    const node = this.random.int(0, this.cluster.nodes.length - 1)
    const offsetS = this.random.int(-3_600, 3_600)
    if (!this.cluster.stepClock(node, offsetS)) return
    this.faults['clock-step']++
    this.note(`wall clock of node ${node} stepped to ${offsetS} s from real time`)
  }

  private async silenceOne(): Promise<void> {
    const candidates = this.tokens.flatMap((t) =>
      replicasOf(t)
        .filter((n) => !this.availability.isDown(n) && !this.availability.isSilent(n, t.token))
        .map((n) => ({ token: t.token, node: n })),
    )
    const choice = this.choose(this.random.sample(candidates, candidates.length), (c) =>
      this.availability.fits([], [c]),
    )
    if (choice === undefined) {
      // Every token is at its budget: free some by restarting a silenced node (a kill like any other).
      const silenced = this.availability.silencedNodes()
      if (silenced.length > 0) await this.kill(this.random.pick(silenced), 'to clear its silences')
      return
    }
    const address = this.cluster.nodes[choice.node]!.address
    try {
      await this.silence(address, choice.token)
    } catch (error) {
      this.errors.push(`fail-silent ${choice.token} at ${address}: ${(error as Error).message}`)
      return
    }
    this.faults.silence++
    this.availability.markSilent(choice.node, choice.token)
    this.note(`silence token ${choice.token} at node ${choice.node}`)
  }

  /**
   * kill -9 a node whose tokens can spare it; with `wipe`, its data dir goes too. A node without state is never
   * taken beyond the budget: a majority without state is outside the fault model (acknowledged writes may go).
   */
  private async killOne(wipe = false): Promise<void> {
    const up = this.cluster.nodes.map((n) => n.index).filter((i) => !this.availability.isDown(i))
    const candidates = this.random.sample(up, up.length)
    const node = wipe
      ? candidates.find((n) => this.availability.fits([n], []))
      : this.choose(candidates, (n) => this.availability.fits([n], []))
    if (node !== undefined) await this.kill(node, '', wipe)
  }

  private async kill(node: number, why: string, wipe = false): Promise<void> {
    await this.cluster.kill(node)
    if (wipe) {
      await this.cluster.wipe(node)
      this.wiped.add(node)
    }
    this.faults[wipe ? 'wipe' : 'kill']++
    this.availability.markDown(node)
    const downMs = this.random.int(...this.options.downMs)
    this.pending.push({ atMs: Date.now() + downMs, node, kind: 'restart' })
    this.note(
      `kill -9 node ${node}${wipe ? ' and delete its data dir' : ''}${why === '' ? '' : ` ${why}`}, restart in ${downMs} ms`,
    )
  }

  private slowOne(): void {
    const fast = this.cluster.nodes.filter((n) => !n.proxy.delayed)
    if (fast.length === 0) return
    const node = this.random.pick(fast)
    // Now and then a link slow enough for operations through it to time out.
    const heavy = this.random.chance(0.1)
    const delay = heavy
      ? { delayMs: this.random.int(800, 1_500), jitterMs: this.random.int(0, 500) }
      : { delayMs: this.random.int(20, 250), jitterMs: this.random.int(0, 150) }
    node.proxy.setDelay(delay)
    this.faults.slow++
    const slowMs = this.random.int(...this.options.slowMs)
    this.pending.push({ atMs: Date.now() + slowMs, node: node.index, kind: 'unslow' })
    this.note(
      `slow links of node ${node.index}: ${delay.delayMs} ms + up to ${delay.jitterMs} ms jitter for ${slowMs} ms`,
    )
  }

  /** The first candidate that keeps every token within budget; or, with overQuorumChance, the first at all. */
  private choose<T>(candidates: readonly T[], fits: (c: T) => boolean): T | undefined {
    const fitting = candidates.find(fits)
    if (fitting !== undefined) return fitting
    if (candidates.length === 0 || !this.random.chance(this.options.overQuorumChance)) return undefined
    this.overQuorum++
    this.note('beyond the fault budget: some token loses its live majority')
    return candidates[0]
  }

  private async runDue(): Promise<void> {
    const now = Date.now()
    const due = this.pending.filter((p) => p.atMs <= now).sort((a, b) => a.atMs - b.atMs)
    for (const item of due) {
      this.pending.splice(this.pending.indexOf(item), 1)
      if (item.kind === 'unslow') {
        this.cluster.nodes[item.node]!.proxy.setDelay({ delayMs: 0, jitterMs: 0 })
        this.note(`links of node ${item.node} fast again`)
      } else if (item.kind === 'recovered') {
        this.wiped.delete(item.node)
        if (this.cluster.isUp(item.node)) this.availability.markUp(item.node)
      } else if (this.availability.isDown(item.node) && !this.starting.has(item.node)) {
        const start = this.startAll([item.node]).finally(() => this.starting.delete(item.node))
        this.starting.set(item.node, start)
      }
    }
  }

  private async startAll(nodes: readonly number[]): Promise<void> {
    await Promise.all(
      nodes.map(async (node) => {
        try {
          await this.cluster.start(node)
          if (this.wiped.has(node)) {
            // Up, but recovering its state: it counts as down until its recovery window closes.
            this.pending.push({ atMs: Date.now() + this.options.recoveryMs, node, kind: 'recovered' })
            this.note(`node ${node} restarted without its data dir`)
            return
          }
          this.availability.markUp(node)
          this.note(`node ${node} restarted`)
        } catch (error) {
          this.errors.push(`restart of node ${node}: ${(error as Error).message}`)
          this.pending.push({ atMs: Date.now() + 1_000, node, kind: 'restart' })
        }
      }),
    )
  }

  private note(what: string): void {
    const event = { atMs: Date.now(), what }
    this.events.push(event)
    if (this.eventsFile !== undefined) appendFileSync(this.eventsFile, `${JSON.stringify(event)}\n`)
  }
}
