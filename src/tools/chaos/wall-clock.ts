import { existsSync, writeFileSync } from 'node:fs'

/**
 * Wall-clock steps for real node processes, through libfaketime (Debian's `libfaketime`): the node is started with
 * it preloaded and a per-node file holding the offset, which the library reads again every second. Only the wall
 * clock moves (FAKETIME_DONT_FAKE_MONOTONIC): what an NTP step or a restored VM snapshot does to a node. Without
 * the library the chaos run has no clock-step fault and says so.
 */
const LIBRARY_PATHS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
]

export function faketimeLibrary(): string | undefined {
  return LIBRARY_PATHS.find((path) => existsSync(path))
}

/** The environment that makes a node read its wall clock through `offsetFile`. */
export function steppedClockEnv(library: string, offsetFile: string): NodeJS.ProcessEnv {
  if (!existsSync(offsetFile)) writeOffset(offsetFile, 0)
  return {
    ...process.env,
    LD_PRELOAD: library,
    FAKETIME_TIMESTAMP_FILE: offsetFile,
    FAKETIME_CACHE_DURATION: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  }
}

/** Steps the node's wall clock to `offsetS` seconds from the real one (either sign), within about a second. */
export function writeOffset(offsetFile: string, offsetS: number): void {
  writeFileSync(offsetFile, `${offsetS >= 0 ? '+' : ''}${Math.round(offsetS)}s\n`)
}
