// Screenshots of tm-web for the README: a local cluster, the live page, a few operations, docs/live-page.png.
// Run: npm run screenshots (builds first). Needs Debian's chromium (or CHROMIUM_PATH), as the browser tests do.
import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { startLiveServer } from '../../src/bin/web/live-server.js'
import { nodeOperationsFeed } from '../../src/bin/web/node-operations-feed.js'
import type { TokenManagerClient } from '../../src/client/token-manager-client.js'
import { startLocalCluster } from '../../src/index.js'
import { schemeOf } from '../../src/plugins/yaml-config/scheme-file.js'
import { launchBrowser } from './browser.js'
import { repoRoot } from './repo-root.js'

const TOKENS = ['1', '2', '3', '4', '5', '6']
/** The page must show a rate: operations keep running this long before the picture. */
const LOAD_MS = 3_000

/** Reads and writes in a loop until `stop` says so: what makes the ops/s column move. */
async function load(client: TokenManagerClient, stop: () => boolean): Promise<void> {
  for (let i = 0; !stop(); i++) {
    const id = TOKENS[i % 3]!
    if (i % 4 === 0) await client.write(id, { name: `load-${i}`, low: 0n, mid: 50n, high: 100n }, { trace: true })
    else await client.read(id)
  }
}

async function main(): Promise<void> {
  const cluster = await startLocalCluster({ nodes: 3, tokens: TOKENS })
  const client = cluster.client()
  const scheme = schemeOf(cluster.scheme)
  const recentOperations = nodeOperationsFeed(client, scheme, 5_000)
  const server = await startLiveServer({ client, scheme, host: '127.0.0.1', port: 0, recentOperations })
  const browser = await launchBrowser()
  try {
    for (const id of TOKENS.slice(0, 4)) await client.write(id, { name: `token ${id}`, low: 0n, mid: 100n, high: 200n })
    await client.read('1')
    await client.failSilent(cluster.nodes[2]!, '5')
    let done = false
    const running = load(client, () => done)
    const page = await browser.newPage()
    await page.setViewport({ width: 1280, height: 760 })
    await page.goto(server.url)
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 30_000 })
    await page.select('#read-form select[name="token"]', '1')
    await page.click('#read-form button[type="submit"]')
    await page.waitForSelector('#result-log li[data-outcome="ok"]', { timeout: 30_000 })
    await new Promise((resolve) => setTimeout(resolve, LOAD_MS))
    const file = join(repoRoot(), 'docs', 'live-page.png')
    await mkdir(join(repoRoot(), 'docs'), { recursive: true })
    await page.screenshot({ path: file as `${string}.png`, fullPage: true })
    done = true
    await running
    process.stdout.write(`${file}: ${(await stat(file)).size} bytes\n`)
  } finally {
    await browser.close()
    await server.close()
    await cluster.close()
  }
}

await main()
