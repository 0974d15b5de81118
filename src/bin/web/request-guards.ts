import type { IncomingMessage } from 'node:http'
import { ActionInputError } from './action-input.js'

/** A request refused before any work: its HTTP status and one line for the page. */
export class RefusedRequest extends Error {
  override readonly name = 'RefusedRequest'

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Whether the Host header names this server. Bound to a loopback address, tm-web answers only requests addressed to
 * a loopback name: a web site whose name an attacker points at 127.0.0.1 (DNS rebinding) reaches the port, but
 * with its own name as Host. Bound elsewhere, anyone who reaches the port is trusted (README: bind with care).
 */
export function hostAllowed(req: IncomingMessage, bound: { readonly host: string; readonly port: number }): boolean {
  if (!isLoopback(bound.host)) return true
  const host = req.headers.host ?? ''
  const colon = host.lastIndexOf(':')
  if (colon < 0 || host.slice(colon + 1) !== String(bound.port)) return false
  return LOOPBACK_NAMES.has(host.slice(0, colon))
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/**
 * Actions come from the page's own script: JSON (which a plain cross-site form cannot send), and with an Origin,
 * if the browser gives one, of this same host. Throws RefusedRequest otherwise.
 */
export function checkSameOrigin(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') throw new RefusedRequest(415, 'actions take a JSON body (application/json)')
  const origin = req.headers.origin
  if (origin === undefined) return
  let originHost: string
  try {
    originHost = new URL(origin).host
  } catch {
    throw new RefusedRequest(403, 'malformed Origin')
  }
  if (originHost !== req.headers.host) throw new RefusedRequest(403, 'actions are taken only from this page')
}

/** The request's JSON body, at most `maxBytes` (413 past it, without reading the rest). */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (declared > maxBytes) throw new RefusedRequest(413, `the body exceeds ${maxBytes} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) throw new RefusedRequest(413, `the body exceeds ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new ActionInputError('the body is not valid JSON')
  }
}
