import test from 'ava'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { packageRoot } from '../../src/plugins/grpc/package-root.js'

const run = promisify(execFile)

/** The README's library example: the code block after its `<!-- library-example -->` marker. */
async function readmeExample(root: string): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8')
  const match = /<!-- library-example -->\n```js\n([\s\S]*?)```/.exec(readme)
  if (match === null) throw new Error('README.md has no library example')
  return match[1]!
}

test('npm pack gives a package whose exports and types let the README example run as written', async (t) => {
  const root = packageRoot()
  // Under the repository, so the scratch project finds the dependencies in its node_modules without a download.
  const scratchRoot = join(root, '.pack-test')
  await mkdir(scratchRoot, { recursive: true })
  const scratch = await mkdtemp(join(scratchRoot, 'p-'))
  t.teardown(() => rm(scratch, { recursive: true, force: true }))
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: root })
  const tarball = join(scratch, stdout.trim().split('\n').at(-1)!)
  const installed = join(scratch, 'node_modules', 'atomic-token-manager')
  await mkdir(installed, { recursive: true })
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'])
  const { stdout: listing } = await run('tar', ['-tzf', tarball])
  t.false(listing.includes('package/dist/test/'), 'tests are not shipped')
  t.false(listing.includes('package/dist/src/tools/'), 'developer tooling is not shipped')
  t.true(listing.includes('package/proto/tokenmanager/v1/token_manager.proto'))
  for (const file of ['index.html', 'app.js', 'style.css'])
    t.true(listing.includes(`package/dist/src/bin/web/static/${file}`), `tm-web's ${file} is shipped`)
  const version = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version
  const { stdout: webVersion } = await run(process.execPath, [join(installed, 'dist/src/bin/tm-web.js'), '--version'])
  t.is(webVersion.trim(), version)
  // tm-server ships bundled (dist/server): its chunks and hash worker must all be in the package.
  const packed = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  t.is(packed.bin['tm-server'], 'dist/server/tm-server.js')
  t.true(listing.includes('package/dist/server/hash-worker.js'), "tm-server's hash worker is shipped")
  const { stdout: serverHelp } = await run(process.execPath, [join(installed, packed.bin['tm-server']!), '--help'])
  t.regex(serverHelp, /Run one token manager node/)
  const example = await readmeExample(root)
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }))
  await writeFile(join(scratch, 'example.mjs'), example)
  const { stdout: out } = await run(process.execPath, ['example.mjs'], { cwd: scratch, timeout: 60_000 })
  t.regex(out, /^partial nonce \d+n? version 1n?\nfinal nonce \d+n? served by 127\.0\.0\.1:\d+\n$/)
  // The same code as TypeScript against the package's own declarations (exports.types).
  await writeFile(join(scratch, 'example.ts'), example)
  await writeFile(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        types: ['node'],
        skipLibCheck: true,
      },
      files: ['example.ts'],
    }),
  )
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  await t.notThrowsAsync(
    run(process.execPath, [tsc, '-p', scratch], { cwd: scratch }),
    'the example type-checks against the package',
  )
})
