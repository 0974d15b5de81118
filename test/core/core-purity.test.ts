import test from 'ava'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from '../support/repo-root.js'

const FORBIDDEN = [
  /^\.{1,2}\/(.*\/)?(plugins|bin)\//,
  /^@grpc\//,
  /^(node:)?net$/,
  /^(node:)?fs(\/promises)?$/,
  /^inversify$/,
  /^(node:)?child_process$/,
  /^(node:)?worker_threads$/,
]

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

function importsOf(text: string): string[] {
  const found: string[] = []
  for (const m of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g,
  )) {
    found.push(m[1] ?? m[2] ?? m[3]!)
  }
  return found
}

test('src/core imports nothing from plugins, bin, gRPC, the network, the file system or the container', (t) => {
  const root = repoRoot()
  const files = sources(join(root, 'src/core'))
  t.true(files.length > 10)
  const violations: string[] = []
  for (const file of files) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (FORBIDDEN.some((rule) => rule.test(spec))) violations.push(`${relative(root, file)} imports ${spec}`)
    }
  }
  t.deepEqual(violations, [])
})

test('the purity rule itself catches forbidden imports', (t) => {
  const sample =
    "import { x } from '../../plugins/grpc/a.js'\nimport * as g from '@grpc/grpc-js'\nimport fs from 'node:fs'\nconst m = import('node:net')"
  const flagged = importsOf(sample).filter((spec) => FORBIDDEN.some((rule) => rule.test(spec)))
  t.is(flagged.length, 4)
})
