import type { TokenStatus } from '../../core/protocol/register-node.js'
import type { RegisterValue } from '../../core/token/token-value.js'
import { LogBudget } from './log-budget.js'
import { logText } from './log-text.js'
import type { NodeLogger } from './node-logger.js'

/** Bounds on the per-RPC log: how many lines per window, and how much of each client string a line quotes. */
export interface RequestLogLimits {
  readonly windowMs: number
  /** Lines about answered requests per window. */
  readonly servedPerWindow: number
  /** Lines about refused or failed requests per window: a hostile client produces these at will. */
  readonly refusedPerWindow: number
  /** Warnings about admin requests (fail-silent scheduled) per window. */
  readonly adminPerWindow: number
  readonly maxIdChars: number
  readonly maxNameChars: number
  readonly maxErrorChars: number
}

/**
 * What a request line says about the node: the token's status, read only when a line is logged, and the ids of
 * all the node's tokens (fixed by the scheme, so computed once).
 */
export interface RequestLogView {
  status(id: string): TokenStatus | undefined
  readonly tokens: readonly string[]
}

/** Token ids a line lists at most: a node of 10^5 tokens would otherwise log a megabyte per request. */
export const MAX_LISTED_TOKENS = 100

/** The `tokens` field of every line: all the ids up to MAX_LISTED_TOKENS, else the first ones and how many are left out. */
export function listedTokens(tokens: readonly string[]): { tokens: readonly string[]; tokensNotListed?: number } {
  if (tokens.length <= MAX_LISTED_TOKENS) return { tokens }
  return { tokens: tokens.slice(0, MAX_LISTED_TOKENS), tokensNotListed: tokens.length - MAX_LISTED_TOKENS }
}

export const REQUEST_LOG_LIMITS: RequestLogLimits = {
  windowMs: 1_000,
  servedPerWindow: 200,
  refusedPerWindow: 20,
  adminPerWindow: 20,
  maxIdChars: 64,
  maxNameChars: 256,
  maxErrorChars: 240,
}

/**
 * The per-RPC log line: the token's state on this node and the ids of all its tokens (the first
 * MAX_LISTED_TOKENS of a larger node, and the count left out). Bounded in both directions a client controls:
 * lines per second (a budget for served requests, a smaller one for refused ones, each reporting how many lines it
 * suppressed) and the length of every client string a line quotes (ids, names and error messages are cut and
 * their control characters escaped).
 */
export class RequestLog {
  private readonly served: LogBudget
  private readonly refused: LogBudget
  private readonly admin: LogBudget

  constructor(
    private readonly logger: NodeLogger,
    private readonly limits: RequestLogLimits = REQUEST_LOG_LIMITS,
    nowMs?: () => number,
  ) {
    const budget = (kind: string, linesPerWindow: number): LogBudget =>
      new LogBudget({
        linesPerWindow,
        windowMs: limits.windowMs,
        nowMs,
        onSuppressed: (count, windowMs) =>
          this.logger.log('info', `${count} log lines about ${kind} requests suppressed`, {
            suppressed: count,
            windowMs,
          }),
      })
    this.served = budget('served', limits.servedPerWindow)
    this.refused = budget('refused', limits.refusedPerWindow)
    this.admin = budget('admin', limits.adminPerWindow)
  }

  /** A warning about an admin request, if its budget allows. */
  adminWarning(message: string, fields: Record<string, unknown>): void {
    if (!this.logger.enabled('warn') || !this.admin.take()) return
    this.logger.log('warn', message, fields)
  }

  /** Logs one RPC, if its budget allows; the token's status is read only then. */
  request(method: string, id: string, view: RequestLogView, error?: unknown): void {
    if (!this.logger.enabled('info')) return
    if (!(error === undefined ? this.served : this.refused).take()) return
    const token = view.status(id)
    const outcome =
      error === undefined
        ? 'ok'
        : `failed: ${logText(String((error as Error)?.message ?? error), this.limits.maxErrorChars)}`
    this.logger.log('info', `${method} ${logText(id, this.limits.maxIdChars)} ${outcome}`, {
      token: token?.state
        ? { version: token.state.ts.seq, silent: token.silent, ...this.describe(token.state.value) }
        : null,
      ...listedTokens(view.tokens),
    })
  }

  /** Reports the lines suppressed so far; call when the node stops. */
  flush(): void {
    this.served.flush()
    this.refused.flush()
    this.admin.flush()
  }

  private describe(value: RegisterValue): object {
    if (value.kind !== 'token') return { value: value.kind }
    const t = value.token
    return {
      name: logText(t.name, this.limits.maxNameChars),
      low: t.low,
      mid: t.mid,
      high: t.high,
      partial: t.partial?.nonce ?? null,
      final: t.final?.nonce ?? null,
    }
  }
}
