import test from 'ava'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'puppeteer-core'
import { renderReplayPage } from '../../src/sim/page/replay-page.js'
import type { ReplayCell, ReplayData } from '../../src/sim/replay-data.js'
import { recordReplay } from '../../src/sim/replay-run.js'
import { launchBrowser } from '../support/browser.js'

/**
 * Bounded waits on conditions: a loaded machine may be slow, never wrong. Polled on a timer, not on animation
 * frames, which a page in the background may not get; and the tests run one at a time, each page closed after.
 */
const WAIT = { timeout: 30_000, polling: 50 }

let browser: Browser
let dir: string
const pages: Page[] = []

test.before(async () => {
  browser = await launchBrowser()
  dir = await mkdtemp(join(tmpdir(), 'replay-page-'))
})

test.afterEach.always(async () => {
  for (const page of pages.splice(0)) await page.close()
})

test.after.always(async () => {
  await browser?.close()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

/** Writes the page of a seeded run and opens it (at `hash` when given); page errors fail the test. */
async function openReplay(name: string, options: Parameters<typeof recordReplay>[0], hash = '') {
  const { data } = await recordReplay(options)
  const file = join(dir, `${name}.html`)
  await writeFile(file, renderReplayPage(data))
  const page = await browser.newPage()
  pages.push(page)
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(String(error)))
  await page.setViewport({ width: 1400, height: 1000 })
  await page.goto(`${pathToFileURL(file).href}${hash}`)
  await page.waitForSelector('body[data-step]', WAIT)
  return { page, data, errors }
}

async function shownStep(page: Page): Promise<number> {
  const text = await page.$eval('#step-counter', (el) => el.textContent ?? '')
  const match = /^step (\d+) \/ (\d+)$/.exec(text)
  if (match === null) throw new Error(`step counter reads ${JSON.stringify(text)}`)
  return Number(match[1])
}

async function waitForStep(page: Page, step: number): Promise<void> {
  await page.waitForFunction(`document.body.getAttribute('data-step') === '${step}'`, WAIT)
}

/** Each node's cells at `step`, from the recorded changes. */
function cellsAt(data: ReplayData, step: number): Record<string, ReplayCell> {
  return Object.assign({}, ...data.steps.slice(0, step + 1).map((s) => s.cells))
}

/** What the page's node box shows for each token: version and value. */
async function shownCells(page: Page, node: string): Promise<Record<string, [string, string]>> {
  return page.$$eval(`.node-box[data-node="${node}"] tr[data-token]`, (rows) =>
    Object.fromEntries(
      rows.map((row) => {
        const cells = [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')
        return [row.getAttribute('data-token'), [cells[1], cells[2]]]
      }),
    ),
  )
}

test.serial('forward, back, arrow keys and play move the replay, and the nodes show the recorded state', async (t) => {
  const { page, data, errors } = await openReplay('healthy', { seed: 7, operations: 40, clients: 3, tokens: 2 })
  t.is(await shownStep(page), 0)
  await page.click('#forward')
  await waitForStep(page, 1)
  await page.click('#forward')
  await waitForStep(page, 2)
  await page.click('#back')
  await waitForStep(page, 1)
  await page.keyboard.press('ArrowRight')
  await waitForStep(page, 2)
  t.is(await shownStep(page), 2)
  t.true(page.url().endsWith('#step=2'))
  await page.click('#play')
  await page.waitForFunction("Number(document.body.getAttribute('data-step')) >= 6", WAIT)
  await page.click('#play')
  await page.waitForFunction("document.body.getAttribute('data-playing') === 'no'", WAIT)
  const step = await shownStep(page)
  const expected = cellsAt(data, step)
  for (const node of data.nodes) {
    const shown = await shownCells(page, node)
    for (const [token, [version, value]] of Object.entries(shown)) {
      const cell = expected[`${node}|${token}`]!
      t.deepEqual([version, value], [cell.ts, cell.value], `${node} ${token} at step ${step}`)
    }
  }
  t.true((await page.$$('#linearization .chip')).length > 0, 'the linearization is listed')
  t.deepEqual(errors, [])
})

test.serial('the address picks the step: #step=N opens there', async (t) => {
  const { page, errors } = await openReplay('hash', { seed: 7, operations: 40, clients: 3, tokens: 2 }, '#step=5')
  t.is(await shownStep(page), 5)
  t.deepEqual(errors, [])
})

test.serial(
  "a broken variant's page opens at the stale read with the counterexample's operations outlined",
  async (t) => {
    const options = { seed: 1, variant: 'single-replica-quorum', operations: 40, clients: 3, tokens: 2 }
    const { page, data, errors } = await openReplay('broken', options)
    const counterexample = data.counterexample!
    t.is(await shownStep(page), counterexample.step!)
    t.regex(await page.$eval('#verdict', (el) => el.textContent ?? ''), /not linearizable/)
    const events = await page.$$eval('#events li', (items) => items.map((li) => li.textContent ?? ''))
    t.true(
      events.some((text) => text.startsWith(`#${counterexample.blocked} read returns`)),
      events.join('; '),
    )
    for (const id of counterexample.operations) {
      const bar = await page.$(`#timeline .op.highlight[data-op="${id}"] rect`)
      const box = await bar?.boundingBox()
      t.true(box !== undefined && box !== null && box.width > 0 && box.height > 0, `op #${id} drawn`)
      t.truthy(await page.$(`#linearization .chip.highlight[data-op="${id}"]`), `op #${id} listed`)
    }
    t.truthy(await page.$('pre.counterexample'))
    t.deepEqual(errors, [])
  },
)
