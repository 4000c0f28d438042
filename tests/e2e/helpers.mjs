// Shared set-up for the end-to-end tests: one headless Chromium (Debian's,
// never a downloaded one) and a page on the release build served by the mock.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:9009';
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
 * Opens the demo page with these query options; collects console errors.
 * `init`: a function run in the page before its own scripts.
 */
export async function openCard(browser, options, { locale = 'en-US', init } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 640, height: 720 } });
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  const statusRequests = [];
  page.on('request', (r) => {
    if (r.url().includes('/sync-data/status')) statusRequests.push(r.url());
  });
  const query = new URLSearchParams(options).toString();
  await page.goto(`${BASE_URL}/?${query}`);
  const card = page.locator('.mss-card');
  return { page, card, problems, statusRequests, close: () => context.close() };
}

/** Waits until the card's root has this data-state. */
export async function waitForState(card, state, timeout = 10_000) {
  await card.and(card.page().locator(`[data-state="${state}"]`)).waitFor({ timeout });
}

export const text = (card, field) =>
  card.locator(`[data-field="${field}"]`).textContent();

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

/** Adds a card to the page for each dataset (project "p"), with these attributes. */
export const addCards = (page, ids, attrs = {}) => page.evaluate(([ids, attrs]) => {
  for (const id of ids) {
    const el = document.createElement('modelarts-sync-status');
    el.setAttribute('project-id', 'p');
    el.setAttribute('dataset-id', id);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    document.body.append(el);
  }
}, [ids, attrs]);

/** A dataset ID no other test (or earlier run) has used: the mock keeps state per ID. */
export const unique = (name) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
