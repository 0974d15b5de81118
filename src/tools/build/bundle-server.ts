#!/usr/bin/env node
/*
 * Part of `npm run build`, after tsc: bundles tm-server and its hash worker into dist/server/, the files the
 * tm-server binary runs. A restarted node is unavailable until its modules are loaded, and Node loads ES modules
 * one file at a time: tm-server's graph is about 400 files (245 of them inversify's), which took 0.6 s before it
 * read its first byte of state. Bundled, `tm-server --version` takes about 0.35 s.
 *
 * Code the bundle reaches only through `import()` (Prometheus, OpenTelemetry, LevelDB migration) stays in chunks
 * of its own, loaded when used. Packages that read files beside their own modules, load native code or start
 * threads from their own paths stay outside the bundle and load from node_modules as before.
 */
import { chmodSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { build, type Plugin } from 'esbuild'
import { packageRoot } from '../../plugins/grpc/package-root.js'

/** Packages left in node_modules, and why each cannot be bundled (or need not be). */
const EXTERNAL_PACKAGES: Readonly<Record<string, string>> = {
  'classic-level': 'loads a native addon from its own directory',
  piscina: 'starts worker threads from its own files',
  pino: 'starts transport threads from its own files',
  'pino-pretty': 'runs in pino transport threads',
  'prom-client': 'loaded only with metricsAddress; kept out of the start path',
  '@opentelemetry/*': 'loaded only with tracing on; kept out of the start path',
}

/**
 * Packages that find their .proto files through `__dirname`. Left outside the bundle they would require a second
 * copy of grpc-js, proto-loader and protobufjs from node_modules at every start (about 100 ms); bundled, their
 * `__dirname` would name dist/server. So they are bundled with `__dirname` replaced by their module's directory
 * in node_modules, found at run time by Node's resolution as their own `require` would find it.
 */
const PACKAGES_READING_BESIDE_THEMSELVES = ['grpc-health-check', '@grpc/reflection']

function dirnameOfPackageFiles(nodeModules: string): Plugin {
  const names = PACKAGES_READING_BESIDE_THEMSELVES.map((name) => name.replace('/', '[\\\\/]')).join('|')
  return {
    name: 'dirname-of-package-files',
    setup(build) {
      build.onLoad({ filter: new RegExp(`node_modules[\\\\/](${names})[\\\\/].*\\.js$`) }, (args) => {
        const file = relative(nodeModules, args.path).split(sep).join('/')
        const dir = `require('node:path').dirname(require.resolve(${JSON.stringify(file)}))`
        const text = readFileSync(args.path, 'utf8')
        return { contents: text.replaceAll('__dirname', dir), loader: 'js', resolveDir: dirname(args.path) }
      })
    },
  }
}

const root = packageRoot()
const outdir = join(root, 'dist', 'server')
// Chunk names carry content hashes: an earlier build's chunks would linger beside the new ones.
rmSync(outdir, { recursive: true, force: true })

await build({
  // The workers sit beside the chunks that start them, as hash-worker.js sits beside worker-pool-hasher.js in
  // dist/src: `new URL('./hash-worker.js', import.meta.url)` resolves the same way in both (log-index-worker too).
  entryPoints: {
    'tm-server': join(root, 'dist', 'src', 'bin', 'tm-server.js'),
    'hash-worker': join(root, 'dist', 'src', 'plugins', 'worker-pool-hasher', 'hash-worker.js'),
    'log-index-worker': join(root, 'dist', 'src', 'plugins', 'log-persistence', 'log-index-worker.js'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: Object.keys(EXTERNAL_PACKAGES),
  plugins: [dirnameOfPackageFiles(join(root, 'node_modules'))],
  // CommonJS packages in the bundle (grpc-js, protobufjs) call require for Node's own modules.
  banner: {
    js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
chmodSync(join(outdir, 'tm-server.js'), 0o755)
console.log(`bundled tm-server into ${outdir}`)
