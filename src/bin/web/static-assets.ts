import { readFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The page's three files, shipped next to this module (the build copies src/bin/web/static to dist). */
const FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
}

/**
 * The page runs only its own script and style, and talks only to this server: data the cluster holds (token names
 * are anyone's text) cannot become markup that runs.
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
}

/** The static files, read once at start (a few KB) so serving them never touches the disk. */
export class StaticAssets {
  private constructor(private readonly contents: ReadonlyMap<string, Buffer>) {}

  static async load(dir = join(dirname(fileURLToPath(import.meta.url)), 'static')): Promise<StaticAssets> {
    const contents = new Map<string, Buffer>()
    for (const [path, { file }] of Object.entries(FILES)) contents.set(path, await readFile(join(dir, file)))
    return new StaticAssets(contents)
  }

  /** Answers `path` if it is one of the files; false otherwise (nothing written). */
  serve(path: string, res: ServerResponse): boolean {
    const body = this.contents.get(path)
    const type = FILES[path]?.type
    if (body === undefined || type === undefined) return false
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, ...SECURITY_HEADERS })
    res.end(res.req.method === 'HEAD' ? undefined : body)
    return true
  }
}
