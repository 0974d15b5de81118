import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A local OTLP/HTTP receiver that accepts and drops every export, and the node settings that point at it. */
export interface OtlpSink {
  /** A settings file with `tracing: { kind: otlp, endpoint }` for this sink. */
  readonly settingsPath: string
  /** Export requests received so far. */
  readonly requests: () => number
  close(): Promise<void>
}

/**
 * Starts the sink on a free 127.0.0.1 port: bench:compare --tracing otlp measures what recording and exporting
 * every operation costs the nodes, not a collector's speed, so the sink answers each export at once with an empty
 * ExportTraceServiceResponse (an empty protobuf message).
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests++
      res.writeHead(200, { 'content-type': 'application/x-protobuf' })
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const dir = mkdtempSync(join(tmpdir(), 'tm-otlp-sink-'))
  const settingsPath = join(dir, 'settings.yaml')
  writeFileSync(settingsPath, `tracing: { kind: otlp, endpoint: "http://127.0.0.1:${port}/v1/traces" }\n`)
  return {
    settingsPath,
    requests: () => requests,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
