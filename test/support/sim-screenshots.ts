// Regenerates docs/tm-sim-replay.png, the README's picture of a tm-sim page (`npm run screenshots`).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { launchBrowser } from './browser.js'
import { packageRoot } from '../../src/plugins/grpc/package-root.js'
import { renderReplayPage } from '../../src/sim/page/replay-page.js'
import { recordReplay } from '../../src/sim/replay-run.js'

/** The README's example: a broken variant, opened where it served a stale read. */
const EXAMPLE = { seed: 1, variant: 'single-replica-quorum', operations: 40, clients: 3, tokens: 2 }

const dir = await mkdtemp(join(tmpdir(), 'sim-screenshot-'))
const browser = await launchBrowser()
try {
  const file = join(dir, 'replay.html')
  await writeFile(file, renderReplayPage((await recordReplay(EXAMPLE)).data))
  const page = await browser.newPage()
  await page.setViewport({ width: 1280, height: 760 })
  await page.goto(pathToFileURL(file).href)
  await page.waitForSelector('body[data-step]', { timeout: 30_000 })
  // The first screen shows every panel; the full page would only add the linearization's tail.
  const out = join(packageRoot(), 'docs', 'tm-sim-replay.png')
  await page.screenshot({ path: out as `${string}.png` })
  process.stdout.write(`wrote ${out}\n`)
} finally {
  await browser.close()
  await rm(dir, { recursive: true, force: true })
}
