import test from 'ava'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { repoRoot } from '../support/repo-root.js'

const run = promisify(execFile)
const BINARIES = ['tm-server', 'tm-client', 'tm-check', 'tm-bench', 'tm-certs', 'tm-web', 'tm-sim', 'tm-chaos']
/** Where each binary's entry point is built: the shipped ones in bin, the chaos tool with the developer tools. */
const entryOf = (name: string): string =>
  name === 'tm-chaos' ? 'dist/src/tools/tm-chaos.js' : `dist/src/bin/${name}.js`

async function runBinary(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot(), entryOf(name)), ...args], {
      timeout: 30_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

test('every binary answers an unknown flag with one line naming it and exit 2, and reports the package version', async (t) => {
  const version = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version
  for (const name of BINARIES) {
    const args = name === 'tm-client' ? ['read', '--id', '1', '--bogus-flag'] : ['--bogus-flag']
    const bad = await runBinary(name, args)
    t.is(bad.code, 2, `${name}: ${bad.stderr}`)
    t.regex(bad.stderr, new RegExp(`^${name}: .*--bogus-flag.*\\n$`), name)
    t.notRegex(bad.stderr + bad.stdout, /\n\s+at /, `${name}: no stack trace`)
    t.is((await runBinary(name, ['--version'])).stdout.trim(), version, name)
  }
})

test('a missing required flag is named in one line', async (t) => {
  const server = await runBinary('tm-server', ['--config', 'config/tokens.yaml'])
  t.is(server.code, 2)
  t.is(server.stderr, 'tm-server: missing --address; see `tm-server --help`\n')
})

test('tm-bench: a token count beyond the scheme is bad input, a stopped cluster a one-line failure', async (t) => {
  const config = join(repoRoot(), 'config/tokens.yaml')
  const tooMany = await runBinary('tm-bench', ['--config', config, '--insecure', '--tokens', '7', '--duration', '1s'])
  t.is(tooMany.code, 2)
  t.regex(tooMany.stderr, /^tm-bench: --tokens 7: the scheme has \d+ tokens \(.*"7,"\)\n$/)
  const stopped = await runBinary('tm-bench', [
    '--config',
    config,
    '--insecure',
    '--timeout',
    '300',
    '--duration',
    '1s',
  ])
  t.is(stopped.code, 1)
  t.regex(stopped.stderr, /^tm-bench: .*127\.0\.0\.1:\d+: .*\n$/)
  t.notRegex(stopped.stderr, /\n\s+at /)
})

test('tm-web: a malformed --listen is bad input, a port in use a one-line failure', async (t) => {
  const config = join(repoRoot(), 'config/tokens.yaml')
  const malformed = await runBinary('tm-web', ['--config', config, '--insecure', '--listen', 'nowhere'])
  t.is(malformed.code, 2)
  t.regex(malformed.stderr, /^tm-web: --listen: malformed access point "nowhere".*\n$/)
  const taken = createServer()
  taken.listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.teardown(() => taken.close())
  const port = (taken.address() as { port: number }).port
  const inUse = await runBinary('tm-web', ['--config', config, '--insecure', '--listen', `127.0.0.1:${port}`])
  t.is(inUse.code, 1)
  t.regex(inUse.stderr, /^tm-web: listen EADDRINUSE.*\n$/)
})
