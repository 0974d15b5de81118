import { isIPv6 } from 'node:net'
import { InvalidArgumentError } from '../../core/errors.js'

/** A node's network address as the scheme writes it: `ip:port`. */
export interface AccessPoint {
  /** IPv4 dotted quad, `localhost`, or an IPv6 address without its brackets. */
  readonly host: string
  readonly port: number
}

const OCTET = '(?:0|[1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-5])'
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`)
// No leading zeros: nodes are identified by their access point text, so `:050051` and `:50051` must not both parse.
const PORT = /^[1-9][0-9]{0,4}$/

/**
 * Parses `ip:port`: `127.0.0.1:50051`, `localhost:50051` or `[::1]:50051`; port 1-65535 in decimal. Throws
 * InvalidArgumentError for anything else, quoting the text.
 */
export function parseAccessPoint(text: string): AccessPoint {
  const parsed = tryParse(text)
  if (parsed === undefined) {
    throw new InvalidArgumentError(
      `malformed access point "${text}": expected ip:port such as 127.0.0.1:50051, localhost:50051 or [::1]:50051`,
    )
  }
  return parsed
}

export function isAccessPoint(text: string): boolean {
  return tryParse(text) !== undefined
}

function tryParse(text: string): AccessPoint | undefined {
  const colon = text.lastIndexOf(':')
  if (colon < 0) return undefined
  const hostText = text.slice(0, colon)
  const portText = text.slice(colon + 1)
  if (!PORT.test(portText)) return undefined
  const port = Number(portText)
  if (port > 65_535) return undefined
  const host = hostOf(hostText)
  return host === undefined ? undefined : { host, port }
}

function hostOf(text: string): string | undefined {
  if (text === 'localhost' || IPV4.test(text)) return text
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1)
    // Zone ids (`fe80::1%eth0`) are node-local and mean nothing to the other replicas.
    return !inner.includes('%') && isIPv6(inner) ? inner : undefined
  }
  return undefined
}
