import { injectable } from 'inversify'
import type { FailureInjector } from '../../core/ports/failure-injector.js'
import type { NodeId } from '../../core/protocol/messages.js'

/**
 * Crash-stop per (node, token) at a time: scheduled from the settings at start or triggered at run time. One
 * instance may serve a whole simulated cluster or a single node.
 */
@injectable()
export class ScheduledFailureInjector implements FailureInjector {
  /** node -> token -> time it goes silent */
  private readonly schedule = new Map<NodeId, Map<string, number>>()

  silence(node: NodeId, token: string, atMs: number): void {
    let tokens = this.schedule.get(node)
    if (tokens === undefined) this.schedule.set(node, (tokens = new Map()))
    const earlier = tokens.get(token)
    if (earlier === undefined || atMs < earlier) tokens.set(token, atMs)
  }

  isSilent(node: NodeId, token: string, nowMs: number): boolean {
    const atMs = this.schedule.get(node)?.get(token)
    return atMs !== undefined && atMs <= nowMs
  }

  silentTokens(node: NodeId, nowMs: number): string[] {
    const tokens = this.schedule.get(node)
    if (tokens === undefined) return []
    const silent: string[] = []
    for (const [token, atMs] of tokens) if (atMs <= nowMs) silent.push(token)
    return silent
  }

  nextSilenceMs(node: NodeId, nowMs: number): number | undefined {
    let next: number | undefined
    for (const atMs of this.schedule.get(node)?.values() ?? []) {
      if (atMs > nowMs && (next === undefined || atMs < next)) next = atMs
    }
    return next
  }
}
