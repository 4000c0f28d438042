// Chromium through Playwright and its DevTools protocol, for the bench
// (bench/run.mjs reads Chromium's performance metrics): not the tests, which
// drive every engine through WebDriver (helpers.mjs). Debian's Chromium,
// never a downloaded one.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function launch() {
  return chromium.launch({
    executablePath: EXECUTABLE,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * The text of a date or time once formatted: cards show their status first,
 * and their dates in UTC, as in `datetime`, until the page's `Intl`
 * formatters are made.
 */
export async function dateText(card, field) {
  const time = card.locator(`[data-field="${field}"]`);
  const formatted = await time.evaluate((el) => new Promise((done) => {
    const until = performance.now() + 5_000;
    const check = () => {
      if (el.textContent !== el.getAttribute('datetime')) done(true);
      else if (performance.now() > until) done(false);
      else setTimeout(check, 10);
    };
    check();
  }));
  assert.ok(formatted, `${field} still in UTC after 5 s`);
  return time.textContent();
}
