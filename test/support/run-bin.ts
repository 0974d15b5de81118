import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot } from './repo-root.js'

export interface BinRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs one of the package's binaries (dist/src/bin/<name>.js) to its end, in `cwd` when given, and returns its
 * exit code and output. Killed after `timeoutMs`, so a hung binary fails its test instead of stalling the run.
 */
export function runBin(
  name: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<BinRun> {
  const child = spawn(process.execPath, [join(repoRoot(), `dist/src/bin/${name}.js`), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
