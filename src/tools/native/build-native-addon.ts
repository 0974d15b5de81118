#!/usr/bin/env node
/*
 * Part of `npm run build`: compiles the native argmin kernel (src/plugins/native-hasher/native/) into
 * dist/native/argmin_shani.node with this machine's C compiler and the Node headers installed beside the node
 * binary (<prefix>/include/node), so nothing is downloaded. node-gyp first (it knows each platform's flags);
 * where it cannot run (it needs Python and make), the compiler directly. Whatever goes wrong, this prints one
 * line and exits 0: the loader then runs the WASM kernel, so a machine without a compiler still builds.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { packageRoot } from '../../plugins/grpc/package-root.js'
import { defaultAddonPath, loadNativeAddon } from '../../plugins/native-hasher/native-argmin-kernel.js'

const SOURCE_DIR = join(packageRoot(), 'src', 'plugins', 'native-hasher', 'native')
const WORK_DIR = join(dirname(defaultAddonPath()), 'build-src')
const BUILD_TIMEOUT_MS = 300_000
const C_SOURCES = ['argmin-shani.c', 'cpu-features.c', 'napi-addon.c']

/** The newest modification time of the addon's sources, in ms. */
function newestSourceMs(): number {
  return Math.max(...readdirSync(SOURCE_DIR).map((file) => statSync(join(SOURCE_DIR, file)).mtimeMs))
}

/** The line of a failed command's output that says what went wrong: the compiler's first error, else node-gyp's. */
function firstError(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const line =
    lines.find((l) => /: (fatal )?error:/.test(l)) ??
    lines.find((l) => /^gyp ERR! stack \w*Error:/.test(l)) ??
    lines.at(-1)
  return (line ?? 'no output').replace(/^gyp ERR! stack /, '').slice(0, 160)
}

/** Runs a command in WORK_DIR; undefined on success, else a short reason. */
function run(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { cwd: WORK_DIR, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS })
  if (result.error !== undefined) return result.error.message
  if (result.status !== 0) return firstError(`${result.stdout}\n${result.stderr}`)
  return undefined
}

/** node-gyp from devDependencies, pointed at the local headers. */
function buildWithNodeGyp(nodeDir: string, output: string): string | undefined {
  let script: string
  try {
    script = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js')
  } catch {
    return 'node-gyp is not installed'
  }
  const failure = run(process.execPath, [script, 'rebuild', '--release', `--nodedir=${nodeDir}`, '--loglevel=error'])
  if (failure !== undefined) return failure
  copyFileSync(join(WORK_DIR, 'build', 'Release', 'argmin_shani.node'), output)
  return undefined
}

/** The same compile without node-gyp: on Linux a Node-API addon is a plain shared object. */
function buildWithCompiler(nodeDir: string, output: string): string | undefined {
  const compiler = process.env.CC ?? 'cc'
  const platformFlags =
    process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared', '-fPIC']
  return run(compiler, [
    '-O3',
    '-std=gnu11',
    '-DNAPI_VERSION=8',
    `-I${join(nodeDir, 'include', 'node')}`,
    ...platformFlags,
    ...C_SOURCES,
    '-o',
    output,
  ])
}

/** What the freshly built addon says about this CPU. */
function describe(addonPath: string): string {
  const addon = loadNativeAddon(addonPath)
  if (typeof addon === 'string') return `but it does not load (${addon}): the WASM kernel is used`
  return addon.unsupported === null
    ? 'and this CPU has the SHA extensions'
    : `but ${addon.unsupported}: the WASM kernel is used`
}

function main(): void {
  const addonPath = defaultAddonPath()
  if (existsSync(addonPath) && statSync(addonPath).mtimeMs >= newestSourceMs()) return
  // From here on, an addon from older sources must not outlive a failed build of newer ones: it is removed.
  // node-gyp wants the prefix whose include/node holds node_api.h; it is where the node binary lives.
  const nodeDir = dirname(dirname(process.execPath))
  if (!existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) {
    rmSync(addonPath, { force: true })
    console.log(
      `native hasher: not built, no Node headers in ${join(nodeDir, 'include', 'node')}; the WASM kernel is used`,
    )
    return
  }
  rmSync(WORK_DIR, { recursive: true, force: true })
  mkdirSync(WORK_DIR, { recursive: true })
  cpSync(SOURCE_DIR, WORK_DIR, { recursive: true })
  // Built beside the addon and renamed over it, so a process loading the old one never sees half a file.
  const fresh = join(WORK_DIR, 'argmin_shani.node')
  const gypFailure = buildWithNodeGyp(nodeDir, fresh)
  const ccFailure =
    gypFailure === undefined || process.platform === 'win32' ? undefined : buildWithCompiler(nodeDir, fresh)
  if (gypFailure !== undefined && (process.platform === 'win32' || ccFailure !== undefined)) {
    rmSync(addonPath, { force: true })
    console.log(
      `native hasher: not built (node-gyp: ${gypFailure}; cc: ${ccFailure ?? 'not tried'}); the WASM kernel is used`,
    )
    return
  }
  renameSync(fresh, addonPath)
  const how = gypFailure === undefined ? 'node-gyp' : `cc, as node-gyp failed: ${gypFailure}`
  console.log(`native hasher: built ${addonPath} with ${how}, ${describe(addonPath)}`)
}

try {
  main()
} catch (error) {
  console.log(
    `native hasher: not built (${error instanceof Error ? error.message : String(error)}); the WASM kernel is used`,
  )
}
