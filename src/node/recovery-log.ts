import type { TokenStatus } from '../core/protocol/register-node.js'
import type { NodeLogger } from '../plugins/grpc/node-logger.js'

/** Token ids one recovery line names at most; the line counts the rest. */
export const MAX_RECOVERY_IDS = 10

/**
 * Log lines when tokens' replicas here start recovering their state (at start, without a copy of them) and when
 * they have: one line per token while few change between two updates, else one line naming the first
 * MAX_RECOVERY_IDS and the count (a node of 10^5 tokens starting without state would log 10^5 lines). A replica
 * that stays recovering is what an operator must look at.
 */
export class RecoveryLog {
  private recovering = new Set<string>()

  constructor(private readonly logger: NodeLogger) {}

  /** No token is known to be recovering: an update would log nothing unless some token started recovering. */
  get quiet(): boolean {
    return this.recovering.size === 0
  }

  /**
   * `recovering`: the tokens recovering now; `statusOf` gives the status of one of them (its progress), read only
   * for the few tokens logged one by one.
   */
  update(recovering: readonly string[], statusOf: (token: string) => TokenStatus | undefined): void {
    const now = new Set(recovering)
    const started = recovering.filter((token) => !this.recovering.has(token))
    const recovered = [...this.recovering].filter((token) => !now.has(token))
    this.recovering = now
    this.logStarted(started, statusOf)
    this.logRecovered(recovered)
  }

  private logStarted(started: readonly string[], statusOf: (token: string) => TokenStatus | undefined): void {
    if (started.length > MAX_RECOVERY_IDS) {
      this.logger.log(
        'warn',
        'tokens recovering: this replica has no copy of them yet and counts in no quorum for them until it ' +
          'recovers them from the others',
        { count: started.length, tokens: started.slice(0, MAX_RECOVERY_IDS) },
      )
      return
    }
    for (const token of started) {
      this.logger.log(
        'warn',
        'token recovering: this replica has no copy of it yet and counts in no quorum until it recovers one ' +
          'from the others',
        { token, ...statusOf(token)?.recovering },
      )
    }
  }

  private logRecovered(recovered: readonly string[]): void {
    if (recovered.length > MAX_RECOVERY_IDS) {
      this.logger.log('info', 'tokens recovered', {
        count: recovered.length,
        tokens: recovered.slice(0, MAX_RECOVERY_IDS),
      })
      return
    }
    for (const token of recovered) this.logger.log('info', 'token recovered', { token })
  }
}
