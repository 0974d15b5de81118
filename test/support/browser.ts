import { existsSync } from 'node:fs'
import puppeteer, { type Browser } from 'puppeteer-core'

/** Debian's chromium (`apt-get install chromium`, done by .ci/run); CHROMIUM_PATH names another binary. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(path)) {
    throw new Error(`no browser at ${path}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`)
  }
  return path
}

/**
 * A headless Chromium for page tests, driven by puppeteer-core (which downloads no browser of its own). Close it
 * in the test's teardown. --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
 */
export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  })
}
