/** Log levels in increasing severity; a logger prints events at or above its level. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** A minimal leveled logger: one line per event, `key=value` fields after the message. */
export class NodeLogger {
  private readonly threshold: number

  constructor(level: LogLevel, private readonly write: (line: string) => void = (l) => process.stdout.write(l + '\n')) {
    this.threshold = LOG_LEVELS.indexOf(level)
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.threshold
  }

  log(level: Exclude<LogLevel, 'silent'>, message: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(level)) return
    const rendered = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, bigints)}`)
    this.write([new Date().toISOString(), level.toUpperCase(), message, ...rendered].join(' '))
  }
}

const bigints = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value)
