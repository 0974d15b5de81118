import * as grpc from '@grpc/grpc-js'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadTokenManagerPackage } from '../../plugins/grpc/proto.js'
import { freePorts } from '../../node/free-ports.js'
import { startServerProcess } from '../../node/server-process.js'

export interface FloodOptions {
  readonly requests: number
  readonly maxParked: number
  /** Each read's client deadline: long, so only cancellation can release the parked ones early. */
  readonly deadlineMs: number
  /** Bound on each wait for the node (start, parking, release). */
  readonly waitMs: number
}

export interface FloodReport {
  readonly requests: number
  readonly maxParked: number
  readonly rssBeforeKiB: number
  readonly rssPeakKiB: number
  readonly rssAfterCancelKiB: number
  readonly parkedPeak: number
  readonly parkedAfterCancel: number
  readonly resourceExhausted: number
  readonly cancelled: number
  readonly other: Readonly<Record<string, number>>
  readonly releaseMs: number
}

/**
 * Floods one tm-server with reads of a token it is silent for, then cancels them. The node must park at most
 * `maxParked` (the rest fail RESOURCE_EXHAUSTED at once) and free every parked entry when its caller cancels.
 */
export async function runFlood(options: FloodOptions, log: (line: string) => void = () => {}): Promise<FloodReport> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-flood-'))
  const [port, metricsPort] = (await freePorts(2)) as [number, number]
  const address = `127.0.0.1:${port}`
  writeFileSync(join(dir, 'tokens.yaml'), `- token: S\n  writer: ${address}\n  readers: [${address}]\n`)
  writeFileSync(
    join(dir, 'settings.yaml'),
    `maxParked: ${options.maxParked}\noperationTimeoutMs: ${options.deadlineMs}\n` +
      `metricsAddress: 127.0.0.1:${metricsPort}\nlogLevel: warn\n`,
  )
  const server = await startServerProcess({
    configPath: join(dir, 'tokens.yaml'),
    address,
    persistence: 'memory',
    insecure: true,
    args: ['--settings', join(dir, 'settings.yaml')],
    cwd: dir,
    startTimeoutMs: options.waitMs,
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true })
    throw error
  })
  const pkg = loadTokenManagerPackage()
  // biome-ignore lint/suspicious/noExplicitAny: grpc-js clients built from a .proto have no static method types
  const client = new pkg.TokenService(address, grpc.credentials.createInsecure()) as any
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const admin = new pkg.AdminService(address, grpc.credentials.createInsecure()) as any
  try {
    const metrics = `http://127.0.0.1:${metricsPort}/metrics`
    await until(async () => (await parked(metrics)) !== undefined, options.waitMs, 'the parked-requests gauge')
    await unary(admin, 'FailSilent', { id: 'S', after_ms: '0' })
    const rssBeforeKiB = rssOf(server.pid)
    log(
      `node ${address} (pid ${server.pid}) silent for S; RSS before ${rssBeforeKiB} KiB; sending ${options.requests} reads`,
    )
    const outcomes = new Map<string, number>()
    const settled = { count: 0 }
    // A ready channel, and calls started in slices: grpc-js handles a burst of queued picks badly.
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 10_000, (e: Error | undefined) => (e ? reject(e) : resolve())),
    )
    const calls: grpc.ClientUnaryCall[] = []
    for (let i = 0; i < options.requests; i++) {
      calls.push(
        client.Read({ id: 'S' }, { deadline: Date.now() + options.deadlineMs }, (error: grpc.ServiceError | null) => {
          const key = error ? grpc.status[error.code] : 'OK'
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
          settled.count++
        }),
      )
      if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve))
    }
    let rssPeakKiB = rssBeforeKiB
    let parkedPeak = 0
    const expectedRefused = Math.max(0, options.requests - options.maxParked)
    await until(
      async () => {
        rssPeakKiB = Math.max(rssPeakKiB, rssOf(server.pid))
        parkedPeak = Math.max(parkedPeak, (await parked(metrics)) ?? 0)
        return (
          (outcomes.get('RESOURCE_EXHAUSTED') ?? 0) >= expectedRefused &&
          parkedPeak >= Math.min(options.requests, options.maxParked)
        )
      },
      options.waitMs,
      () =>
        `the flood to be parked or refused (${parkedPeak} parked, outcomes ${JSON.stringify(Object.fromEntries(outcomes))})`,
    )
    log(
      `peak: ${parkedPeak} parked, ${outcomes.get('RESOURCE_EXHAUSTED') ?? 0} refused; RSS ${rssPeakKiB} KiB; cancelling`,
    )
    const cancelledAt = Date.now()
    for (const call of calls) call.cancel()
    let parkedAfterCancel = Infinity
    await until(
      async () => {
        rssPeakKiB = Math.max(rssPeakKiB, rssOf(server.pid))
        return (parkedAfterCancel = (await parked(metrics)) ?? Infinity) === 0
      },
      options.waitMs,
      'the parked reads to be released',
    )
    const releaseMs = Date.now() - cancelledAt
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const rssAfterCancelKiB = rssOf(server.pid)
    const resourceExhausted = outcomes.get('RESOURCE_EXHAUSTED') ?? 0
    const cancelled = outcomes.get('CANCELLED') ?? 0
    const other = Object.fromEntries([...outcomes].filter(([k]) => k !== 'RESOURCE_EXHAUSTED' && k !== 'CANCELLED'))
    return {
      requests: options.requests,
      maxParked: options.maxParked,
      rssBeforeKiB,
      rssPeakKiB,
      rssAfterCancelKiB,
      parkedPeak,
      parkedAfterCancel,
      resourceExhausted,
      cancelled,
      other,
      releaseMs,
    }
  } finally {
    client.close()
    admin.close()
    await server.stop(5_000)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Resident set size of a process in KiB, from /proc (Linux). */
export function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1])
}

/** The node's tm_parked_requests gauge, or undefined while its metrics endpoint does not answer. */
async function parked(url: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text()
    const line = /^tm_parked_requests(?:\{[^}]*\})? (\d+)$/m.exec(text)
    return line === null ? undefined : Number(line[1])
  } catch {
    return undefined
  }
}

async function until(check: () => Promise<boolean>, waitMs: number, what: string | (() => string)): Promise<void> {
  const endMs = Date.now() + waitMs
  while (!(await check())) {
    if (Date.now() > endMs)
      throw new Error(`gave up waiting ${waitMs} ms for ${typeof what === 'string' ? what : what()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// biome-ignore lint/suspicious/noExplicitAny: as above
function unary(client: any, method: string, request: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client[method](request, { deadline: Date.now() + 10_000 }, (error: Error | null, reply: unknown) =>
      error ? reject(error) : resolve(reply),
    ),
  )
}
