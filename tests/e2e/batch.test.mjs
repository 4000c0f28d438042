// requests="batch": the cards of a page share requests through the batch path
// of the proxy (here the mock), and each still shows its own answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openCard, waitForState, text, unique, addCards } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const BATCH = '/datasets/sync-data/status?dataset_ids=';

/** Adds compact batch cards for these datasets to the page. */
const addBatchCards = (page, ids, attrs = {}) =>
  addCards(page, ids, { variant: 'compact', requests: 'batch', ...attrs });

/** Each added card's root, once all have left "loading". */
async function cardsOf(page, n) {
  await page.waitForFunction((n) => {
    const cards = [...document.querySelectorAll('modelarts-sync-status')].slice(1)
      .map((h) => h.shadowRoot?.querySelector('.mss-card'));
    return cards.length === n && cards.every((c) => c && c.dataset.state !== 'loading');
  }, n, { timeout: 15_000 });
  return page.evaluate(() => [...document.querySelectorAll('modelarts-sync-status')].slice(1)
    .map((h) => {
      const card = h.shadowRoot.querySelector('.mss-card');
      const field = (name) => card.querySelector(`[data-field="${name}"]`)?.textContent ?? null;
      return {
        state: card.dataset.state,
        status: card.dataset.status ?? null,
        dataset: field('dataset_id'),
        error: field('request_error'),
      };
    }));
}

test('cards added together share one request and each shows its own dataset', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-completed' });
  try {
    await waitForState(v.card, 'ok');
    const ids = Array.from({ length: 30 }, (_, i) => unique(`batch-${i}`));
    const before = (await v.requests()).length;
    await addBatchCards(v.page, ids, { interval: '3600' });
    const cards = await cardsOf(v.page, ids.length);
    assert.deepEqual(cards.map((c) => c.dataset), ids);
    assert.ok(cards.every((c) => c.state === 'ok'));
    const sent = (await v.requests()).slice(before);
    assert.equal(sent.length, 1, sent.join('\n'));
    assert.ok(sent[0].includes(`/api/v2/p${BATCH}${ids.join(',')}`), sent[0]);
    assert.deepEqual(await v.problems(), []);
  } finally {
    await v.close();
  }
});

test('each card of a batch shows its own answer, errors included', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-completed' });
  try {
    await waitForState(v.card, 'ok');
    const ids = ['status-failed', 'http-401', 'http-502', 'not-json', 'huge-counts', 'id with/slash'];
    await addBatchCards(v.page, ids, { interval: '3600' });
    const cards = await cardsOf(v.page, ids.length);
    assert.equal(cards[0].status, 'FAILED');
    assert.equal(cards[1].state, 'error');
    assert.match(cards[1].error, /^HTTP 401 Unauthorized: APIG\.0301: /);
    assert.match(cards[2].error, /^HTTP 502 Bad Gateway \(the response was not JSON/);
    assert.match(cards[3].error, /^Unreadable answer: the body is not valid JSON/);
    assert.equal(cards[4].status, 'RUNNING');
    assert.equal(cards[5].dataset, 'id with/slash');
    const huge = await v.page.evaluate(() => [...document.querySelectorAll('modelarts-sync-status')][5]
      .shadowRoot.querySelector('[data-field="total_sample_count"]').textContent);
    assert.equal(huge, '9,007,199,254,740,993');
  } finally {
    await v.close();
  }
});

test('timer refreshes of batch cards go out together, on whole seconds', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-completed' });
  try {
    await waitForState(v.card, 'ok');
    const ids = Array.from({ length: 20 }, (_, i) => unique(`timed-${i}`));
    await addBatchCards(v.page, ids, { interval: '1', 'idle-interval': '1' });
    await cardsOf(v.page, ids.length);
    // When the page sent each batch request (wall clock), from Resource Timing.
    const sent = () => v.page.evaluate((batch) => performance.getEntriesByType('resource')
      .filter((e) => e.name.includes(batch))
      .map((e) => performance.timeOrigin + e.startTime), BATCH);
    const before = (await sent()).length;
    await v.page.waitForTimeout(4_500);
    const times = (await sent()).slice(before);
    // About one request a second for all twenty cards, each just after a
    // whole second (the batch window is 20 ms; the rest is slack for CI).
    assert.ok(times.length >= 3 && times.length <= 5, `${times.length} requests`);
    for (const t of times) assert.ok(t % 1000 < 250, `sent ${(t % 1000).toFixed(0)} ms into a second`);
  } finally {
    await v.close();
  }
});

test('batch cards that fail retry together, with one jitter', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-completed' });
  try {
    await waitForState(v.card, 'ok');
    // RUNNING on the first request, 503 on every later one.
    const ids = Array.from({ length: 20 }, (_, i) => unique(`goes-down-${i}`));
    await addBatchCards(v.page, ids, { interval: '1', 'idle-interval': '1' });
    await v.page.waitForTimeout(6_500);
    const cards = await cardsOf(v.page, ids.length);
    const sent = (await v.requests()).filter((url) => url.includes(BATCH));
    assert.ok(cards.every((c) => c.state === 'error' && c.status === 'RUNNING'));
    // First answer, then at least two retries after backoff: each one
    // request for all twenty cards.
    assert.ok(sent.length >= 3, `${sent.length} requests`);
    const asked = (url) => new URL(url).searchParams.get('dataset_ids').split(',').sort();
    const sizes = `IDs per request, in order: ${sent.map((url) => asked(url).length).join(', ')}`;
    for (const url of sent) assert.deepEqual(asked(url), [...ids].sort(), sizes);
  } finally {
    await v.close();
  }
});

// The cards of a batch are answered one after another, a few milliseconds
// apart (more in a slow engine, as WebKit showed); each plans its next
// request for a whole second of the wall clock. Here the clock moves 60 ms
// at every reading: read card by card, the twenty plans would span more
// than a second.
test('batch cards plan from one reading of the clock, so no second splits them', async () => {
  const skew = () => {
    const now = Date.now;
    let ahead = 0;
    Date.now = () => now.call(Date) + (ahead += 60);
  };
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-completed' }, { init: skew });
  try {
    await waitForState(v.card, 'ok');
    const ids = Array.from({ length: 20 }, (_, i) => unique(`goes-down-${i}`));
    await addBatchCards(v.page, ids, { interval: '1', 'idle-interval': '1' });
    await v.page.waitForTimeout(4_500);
    const sent = (await v.requests()).filter((url) => url.includes(BATCH));
    assert.ok(sent.length >= 2, `${sent.length} requests`);
    const asked = (url) => new URL(url).searchParams.get('dataset_ids').split(',').length;
    assert.deepEqual(sent.map(asked), sent.map(() => 20));
  } finally {
    await v.close();
  }
});

test('a batch card refreshed by hand fetches at once', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-running', requests: 'batch' });
  try {
    await waitForState(v.card, 'ok');
    const before = await v.card.locator('[data-field="updated_at"]').getAttribute('datetime');
    const sent = (await v.requests()).length;
    await v.page.waitForTimeout(10);
    await v.card.locator('button[data-action="refresh"]').click();
    await v.page.waitForFunction((before) => document.querySelector('modelarts-sync-status').shadowRoot
      .querySelector('[data-field="updated_at"]').getAttribute('datetime') !== before, before);
    assert.equal((await v.requests()).length, sent + 1);
    assert.ok((await v.requests()).at(-1).includes(`${BATCH}status-running`));
    assert.equal(await text(v.card, 'status'), 'Running');
  } finally {
    await v.close();
  }
});

test('batch with a template proxy is a configuration error', async () => {
  const v = await openCard(browser, {
    project_id: 'p', dataset_id: 'd', requests: 'batch', proxy: '/api/x/{project_id}/{dataset_id}',
  });
  try {
    await waitForState(v.card, 'config-error');
    assert.match(await text(v.card, 'config_error'), /requests="batch" needs a base URL, not a template/);
    assert.equal((await v.requests()).length, 0);
  } finally {
    await v.close();
  }
});
