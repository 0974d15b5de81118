import { spawnSync } from 'node:child_process'

/** Runs time bound for one `openssl speed` (it measures its own elapsed time). */
const OPENSSL_TIMEOUT_MS = 60_000

/**
 * Hashes per second from `openssl speed -evp sha256 -bytes 16` output: the "16 bytes" column of the sha256
 * line, printed in 1000s of bytes per second (e.g. "sha256  81092.65k"), divided by 16 bytes per hash.
 */
export function parseOpensslSpeed(output: string): number | undefined {
  const match = /^sha256\s+([\d.]+)k\s*$/m.exec(output)
  if (match === null) return undefined
  return (Number(match[1]) * 1000) / 16
}

/** One `openssl speed -evp sha256 -bytes 16 -seconds N` run: hashes/s, or undefined if openssl is missing. */
export function opensslSha256Rate(seconds: number): number | undefined {
  const result = spawnSync('openssl', ['speed', '-evp', 'sha256', '-bytes', '16', '-seconds', String(seconds)], {
    encoding: 'utf8',
    timeout: OPENSSL_TIMEOUT_MS,
  })
  if (result.error !== undefined || result.status !== 0) return undefined
  return parseOpensslSpeed(result.stdout)
}
