// What the end-to-end tests (helpers.mjs, through WebDriver) and the bench
// (playwright.mjs, through Playwright) share about the browser and the card.
import assert from 'node:assert/strict';

/** Chromium flags that keep it quiet on this closed network (docs: toolchain). */
export const QUIET_CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * The text of a date or time once formatted: cards show their status first,
 * and their dates in UTC, as in `datetime`, until the page's `Intl`
 * formatters are made. `card`: a locator of either driver (Playwright's or
 * helpers.mjs's: both have `locator`, `evaluate` and `textContent`).
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
