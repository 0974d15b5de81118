import { pino, type Logger } from 'pino'
import pretty from 'pino-pretty'

/** Log levels in increasing severity; a logger prints events at or above its level. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface NodeLoggerOptions {
  /** Bound to every line. */
  readonly node?: string
  /** Where lines go (default stdout). */
  readonly destination?: NodeJS.WritableStream
  /** Human-readable lines instead of JSON (default: when stdout is a terminal and no destination is given). */
  readonly pretty?: boolean
}

/**
 * Structured logs with pino: one JSON object per event (`level`, `time`, `node`, `msg` and the event's fields),
 * pretty-printed for a person at a terminal. bigints are logged as decimal strings.
 */
export class NodeLogger {
  readonly pino: Logger

  constructor(level: LogLevel, options: NodeLoggerOptions = {}) {
    const human = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true)
    const stream = human
      ? pretty({
          colorize: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
          singleLine: true,
          sync: true,
        })
      : (options.destination ?? pino.destination({ dest: 1, sync: true }))
    this.pino = pino(
      {
        level,
        base: options.node === undefined ? {} : { node: options.node },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      stream,
    )
  }

  enabled(level: LogLevel): boolean {
    return level !== 'silent' && this.pino.isLevelEnabled(level)
  }

  log(level: Exclude<LogLevel, 'silent'>, message: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(level)) return
    this.pino[level](plain(fields) as object, message)
  }
}

/** A copy with every bigint as its decimal string: JSON has no integers above 2^53. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  }
  return value
}
