// The refresh policy as a user's network tab would see it: backoff,
// Retry-After, idle interval, hidden pages, offline, staleness.
// Hidden and offline are what the browser tells the page (document.hidden,
// navigator.onLine and their events), set from inside the page: the same in
// every engine (a real offline switch exists only in Chromium's DevTools).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openCard, waitForState, text, unique, addCards } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Counts status requests made during `ms` milliseconds from now. */
async function countDuring(v, ms) {
  const start = (await v.requests()).length;
  await v.page.waitForTimeout(ms);
  return (await v.requests()).length - start;
}

test('a backend that always fails is retried with a doubling delay', async () => {
  // interval 1 s: requests at 0, ~1 (1 s..1.2 s), ~3 (2.6..3.6 s), then no earlier than 5.8 s.
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'http-502', interval: '1' });
  try {
    await waitForState(v.card, 'error');
    const t0 = Date.now();
    await v.page.waitForTimeout(5_500 - (Date.now() - t0));
    assert.equal((await v.requests()).length, 3, `requests: ${(await v.requests()).length}`);
    assert.match(await text(v.card, 'retry_in'), /^retrying in \d+ s$/);
  } finally {
    await v.close();
  }
});

test('Retry-After is honoured', async () => {
  // http-503 asks for 20 s: with interval 1 s, nothing more for a while.
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'http-503', interval: '1' });
  try {
    await waitForState(v.card, 'error');
    assert.equal(await countDuring(v, 3_000), 0);
    assert.match(await text(v.card, 'retry_in'), /^retrying in 1[5-9] s$/);
  } finally {
    await v.close();
  }
});

test('the refresh button retries at once during backoff', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'http-503', interval: '1' });
  try {
    await waitForState(v.card, 'error');
    await v.card.locator('button[data-action="refresh"]').click();
    await v.page.waitForTimeout(500);
    assert.equal((await v.requests()).length, 2);
  } finally {
    await v.close();
  }
});

test('a terminal status is refreshed at the idle interval', async () => {
  const v = await openCard(browser, {
    project_id: 'p', dataset_id: 'status-completed', interval: '1', idle_interval: '2',
  });
  try {
    await waitForState(v.card, 'ok');
    // At 1 s there would be 5 more; at the idle 2 s, 2.
    assert.equal(await countDuring(v, 5_000), 2);
  } finally {
    await v.close();
  }
});

test('idle_interval 0 stops refreshing a terminal status', async () => {
  const v = await openCard(browser, {
    project_id: 'p', dataset_id: 'status-failed', interval: '1', idle_interval: '0',
  });
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await countDuring(v, 3_000), 0);
  } finally {
    await v.close();
  }
});

test('a hidden page sends nothing, and refreshes at once when shown', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: unique('hidden'), interval: '1' });
  try {
    await waitForState(v.card, 'ok');
    const setHidden = (hidden) => v.page.evaluate((hidden) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
      Object.defineProperty(document, 'visibilityState', {
        configurable: true, get: () => (hidden ? 'hidden' : 'visible'),
      });
      // As browsers do, the event bubbles from the document to the window.
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    }, hidden);
    await setHidden(true);
    assert.equal(await countDuring(v, 3_000), 0);
    const before = (await v.requests()).length;
    await setHidden(false);
    await v.page.waitForTimeout(400);
    assert.equal((await v.requests()).length - before, 1);
  } finally {
    await v.close();
  }
});

test('offline pauses, online refreshes at once', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: unique('offline'), interval: '1' });
  try {
    await waitForState(v.card, 'ok');
    await v.page.setOffline(true);
    assert.equal(await countDuring(v, 3_000), 0);
    const before = (await v.requests()).length;
    await v.page.setOffline(false);
    await v.page.waitForTimeout(400);
    assert.equal((await v.requests()).length - before, 1);
  } finally {
    await v.close();
  }
});

test('page events reach every card on the page, and not one removed', async () => {
  const first = unique('events-a');
  const v = await openCard(browser, { project_id: 'p', dataset_id: first, interval: '1' });
  try {
    await waitForState(v.card, 'ok');
    const [kept, removed] = [unique('events-b'), unique('events-c')];
    await addCards(v.page, [kept, removed], { interval: '1' });
    const host = (id) => `modelarts-sync-status[dataset-id="${id}"]`;
    for (const id of [kept, removed]) {
      await v.page.locator(host(id)).locator('.mss-card[data-state="ok"]').waitFor({ timeout: 10_000 });
    }
    await v.page.evaluate((selector) => document.querySelector(selector).remove(), host(removed));
    await v.page.setOffline(true);
    assert.equal(await countDuring(v, 3_000), 0);
    const before = (await v.requests()).length;
    await v.page.setOffline(false);
    await v.page.waitForTimeout(400);
    const asked = (await v.requests()).slice(before).map((url) => url.split('/datasets/')[1].split('/')[0]);
    assert.deepEqual(asked.sort(), [first, kept].sort());
  } finally {
    await v.close();
  }
});

test('data older than three intervals is marked stale', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: unique('goes-down'), interval: '1' });
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await v.card.getAttribute('data-stale'), null);
    await v.card.and(v.page.locator('[data-stale="true"]')).waitFor({ timeout: 6_000 });
    assert.equal(await v.card.locator('.mss-stale').textContent(), 'Data may be out of date');
    assert.equal(await v.card.getAttribute('data-status'), 'RUNNING');
  } finally {
    await v.close();
  }
});
