import test from 'ava'
import type { Page } from 'puppeteer-core'
import { startLiveServer } from '../../src/bin/web/live-server.js'
import { nodeOperationsFeed } from '../../src/bin/web/node-operations-feed.js'
import { startLocalCluster } from '../../src/index.js'
import { schemeOf } from '../../src/plugins/yaml-config/scheme-file.js'
import { launchBrowser } from '../support/browser.js'

/* The live page in a real browser (Debian's chromium through puppeteer-core) against a real in-process cluster. */

/** Generous: on a loaded 2-core machine a snapshot, an action and the next poll may each take seconds. */
const WAIT_MS = 30_000

const cell = (token: string, node: string) => `#grid td[data-token="${token}"][data-node="${node}"]`

async function setField(page: Page, selector: string, value: string): Promise<void> {
  await page.$eval(selector, (input, text) => ((input as unknown as { value: string }).value = text), value)
}

/** A local cluster of 3 nodes, tm-web's server on it, and the page open in a headless Chromium; all closed after. */
async function openPage(t: any, tokens: string[]) {
  const cluster = await startLocalCluster({ nodes: 3, tokens })
  t.teardown(() => cluster.close())
  const client = cluster.client()
  const scheme = schemeOf(cluster.scheme)
  const recentOperations = nodeOperationsFeed(client, scheme, 5_000)
  const server = await startLiveServer({ client, scheme, host: '127.0.0.1', port: 0, recentOperations })
  t.teardown(() => server.close())
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const failures: string[] = []
  page.on('pageerror', (error) => failures.push(String(error)))
  await page.goto(server.url)
  await page.waitForSelector('#connection[data-state="live"]', { timeout: WAIT_MS })
  return { cluster, client, page, failures }
}

test('the page shows the grid live, silences a replica, writes and reads', async (t) => {
  const { cluster, page, failures } = await openPage(t, ['a', 'b', 'c'])

  const writerOfA = cluster.scheme[0]!.writer
  const silenced = cluster.nodes[1]!
  await page.waitForSelector(`${cell('a', writerOfA)}[data-version="0"]`, { timeout: WAIT_MS })
  t.deepEqual(await page.$$eval('#grid tbody tr', (rows) => rows.map((r) => r.getAttribute('data-token'))), [
    'a',
    'b',
    'c',
  ])
  const headers = await page.$$eval('#grid thead th.node', (ths) => ths.map((th) => th.getAttribute('data-node')))
  t.deepEqual(headers, [...cluster.nodes].sort())

  // Silence a replica from its cell: the cell turns silent, and the others of the token do not.
  await page.click(`${cell('b', silenced)} button.silence`)
  await page.waitForSelector(`${cell('b', silenced)}[data-silent="true"]`, { timeout: WAIT_MS })
  t.is(await page.$eval(`${cell('b', silenced)} .silent-label`, (el) => el.textContent), 'silent')
  t.is(await page.$eval(cell('a', silenced), (el) => el.getAttribute('data-silent')), 'false')

  // Write from the form: the result line says so, and the writer's cell shows the new version.
  await page.select('#write-form select[name="token"]', 'a')
  await setField(page, '#write-form input[name="name"]', 'from the page')
  await setField(page, '#write-form input[name="low"]', '0')
  await setField(page, '#write-form input[name="mid"]', '10')
  await setField(page, '#write-form input[name="high"]', '20')
  await page.click('#write-form button[type="submit"]')
  await page.waitForSelector('#result-log li[data-action="write"][data-outcome="ok"]', { timeout: WAIT_MS })
  await page.waitForSelector(`${cell('a', writerOfA)}[data-version="1"]`, { timeout: WAIT_MS })

  // Read from the form: the result shows the name written, its final argmin, and who served it.
  await page.select('#read-form select[name="token"]', 'a')
  await page.click('#read-form button[type="submit"]')
  const read = await page.waitForSelector('#result-log li[data-action="read"][data-outcome="ok"]', { timeout: WAIT_MS })
  const text = await read!.evaluate((el) => el.textContent ?? '')
  t.regex(text, /read token a: name "from the page" \[0, 10, 20\) version 1, final \d+ \(hash \d+\)/)

  // The operations panel lists the page's write with its trace: the write phase at the writer and the replicas'
  // answers to it (tm-web asks the cluster to record its own actions).
  const row = '#operations-table tr[data-token="a"][data-kind="write"]:not([data-spans="0"])'
  await page.waitForSelector(row, { timeout: WAIT_MS })
  const spans = await page.$eval(row, (tr) => [...tr.querySelectorAll('.spans li')].map((li) => li.textContent ?? ''))
  t.true(
    spans.some((s) => s.startsWith('write @')),
    spans.join('; '),
  )
  t.true(
    spans.some((s) => s.startsWith('serve @')),
    spans.join('; '),
  )
  t.deepEqual(failures, [], 'no script error on the page')
})

test('a token name is shown as text, never as markup', async (t) => {
  const { client, page, failures } = await openPage(t, ['x'])
  await page.waitForSelector('#read-form select[name="token"] option[value="x"]', { timeout: WAIT_MS })
  const name = '<img src=x id=injected>'
  await client.write('x', { name, low: 0n, mid: 1n, high: 2n })
  await page.select('#read-form select[name="token"]', 'x')
  await page.click('#read-form button[type="submit"]')
  const read = await page.waitForSelector('#result-log li[data-action="read"][data-outcome="ok"]', { timeout: WAIT_MS })
  t.true((await read!.evaluate((el) => el.textContent ?? '')).includes(name))
  t.is(await page.$('#injected'), null)
  t.deepEqual(failures, [])
})
