// "Sync now" (actions="sync"): offered while no task runs, confirmed by a
// second press within 10 s, sent as the proxy's POST, and followed by the
// card. The mock's sync (--allow-sync) restarts the dataset's task, which
// then runs QUEUING → … → COMPLETED over the mock's cycle (8 s in the tests);
// the proxy allows one sync per dataset per minute. The mock outlives one
// engine's run, so every test that syncs takes a dataset (or project) of its
// own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BASE_URL, launch, openCard, openPage, waitForState, text, addCards, unique } from './helpers.mjs';

const AUTH_BASE_URL = process.env.AUTH_BASE_URL;
const MOCK_BIN = process.env.MOCK_BIN;
if (!AUTH_BASE_URL) throw new Error('AUTH_BASE_URL: the URL of a mock started with --mock-auth');
if (!MOCK_BIN) throw new Error('MOCK_BIN: the modelarts-sync-proxy binary, for a mock of the test\'s own');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const button = (card) => card.locator('button[data-action="sync"]');
const step = (card) => button(card).getAttribute('data-step');

/** Sync POSTs the mock at `origin` received for `dataset`. */
const triggers = (page, dataset, origin = BASE_URL) => page.evaluate(async ([origin, dataset]) => {
  const counts = await (await fetch(`${origin}/__mock/requests`)).json();
  return counts.triggers[dataset] ?? 0;
}, [origin, dataset]);

/** Records the page's `syncrequested` events in window.__syncs. */
function recordSyncs() {
  window.__syncs = [];
  document.addEventListener('syncrequested', (e) =>
    window.__syncs.push({ ...e.detail, composed: e.composed, bubbles: e.bubbles }));
}

test('without actions="sync" a card offers no sync', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-completed' });
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await button(v.card).count(), 0);
    assert.equal(await v.card.locator('[part="actions"]').count(), 0);
  } finally {
    await v.close();
  }
});

for (const [dataset, offered] of [
  ['status-completed', true],
  ['status-failed', true],
  ['status-not-exist', true],
  ['status-running', false],
  ['status-queuing', false],
  ['status-starting', false],
]) {
  test(`${dataset}: Sync now is ${offered ? '' : 'not '}offered`, async () => {
    const v = await openCard(browser, { project_id: 'p', dataset_id: dataset, actions: 'sync' });
    try {
      await waitForState(v.card, 'ok');
      assert.equal(await button(v.card).count(), offered ? 1 : 0);
      if (offered) {
        assert.equal(await button(v.card).textContent(), 'Sync now');
        assert.equal(await button(v.card).getAttribute('type'), 'button');
        assert.equal(await step(v.card), 'idle');
      }
      assert.deepEqual(await v.problems(), []);
    } finally {
      await v.close();
    }
  });
}

test('a confirmed sync is sent once, and the card follows the task it started', async () => {
  const dataset = unique('done-sync');
  const v = await openCard(browser, { project_id: 'p', dataset_id: dataset, actions: 'sync', interval: '2' },
    { init: recordSyncs });
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await v.card.getAttribute('data-status'), 'COMPLETED');
    await button(v.card).click();
    // The first press only asks.
    assert.equal(await step(v.card), 'confirming');
    assert.equal(await button(v.card).textContent(), 'Confirm sync');
    assert.equal(await text(v.card, 'sync_note'), 'Press again to start synchronizing this dataset.');
    assert.equal(await triggers(v.page, dataset), 0);
    await button(v.card).click();
    await v.page.waitForFunction(() => window.__syncs.length === 1, null, { timeout: 10_000 });
    assert.equal(await triggers(v.page, dataset), 1);
    assert.deepEqual(await v.page.evaluate(() => window.__syncs), [{
      projectId: 'p', datasetId: dataset, ok: true, error: null, composed: true, bubbles: true,
    }]);
    // The new task, with no button while it runs.
    await v.card.and(v.page.locator('[data-status="QUEUING"], [data-status="STARTING"], [data-status="RUNNING"]'))
      .waitFor({ timeout: 5_000 });
    assert.equal(await button(v.card).count(), 0);
    // Followed until it ends (the mock's task takes 8 s), then offered again.
    await v.card.and(v.page.locator('[data-status="COMPLETED"]')).waitFor({ timeout: 20_000 });
    await button(v.card).waitFor({ timeout: 5_000 });
    assert.equal(await step(v.card), 'idle');
    assert.equal(await triggers(v.page, dataset), 1);
    assert.deepEqual(await v.problems(), []);
  } finally {
    await v.close();
  }
});

test('a confirmation not given within 10 s expires, and nothing is sent', async () => {
  const dataset = unique('done-expire');
  const v = await openCard(browser, { project_id: 'p', dataset_id: dataset, actions: 'sync', interval: '60' });
  try {
    await waitForState(v.card, 'ok');
    await button(v.card).click();
    assert.equal(await step(v.card), 'confirming');
    await v.page.waitForTimeout(8_000);
    assert.equal(await step(v.card), 'confirming', 'still asking 8 s after the press');
    await v.card.locator('button[data-step="idle"]').waitFor({ timeout: 5_000 });
    assert.equal(await button(v.card).textContent(), 'Sync now');
    assert.equal(await v.card.locator('[data-field="sync_note"]').count(), 0);
    // A press now asks again rather than sending.
    await button(v.card).click();
    assert.equal(await step(v.card), 'confirming');
    assert.equal(await triggers(v.page, dataset), 0);
  } finally {
    await v.close();
  }
});

test('the keyboard starts a sync as the pointer does', async () => {
  const dataset = unique('done-keys');
  const v = await openCard(browser, { project_id: 'p', dataset_id: dataset, actions: 'sync', interval: '60' });
  try {
    await waitForState(v.card, 'ok');
    await button(v.card).focus();
    await v.page.keyboard.press('Enter');
    assert.equal(await step(v.card), 'confirming');
    await v.page.keyboard.press('Enter');
    await v.page.waitForFunction(async ([dataset]) => {
      const counts = await (await fetch('/__mock/requests')).json();
      return counts.triggers[dataset] === 1;
    }, [dataset], { timeout: 10_000 });
    await v.card.and(v.page.locator('[data-status="QUEUING"], [data-status="STARTING"], [data-status="RUNNING"]'))
      .waitFor({ timeout: 5_000 });
  } finally {
    await v.close();
  }
});

test('a sync ModelArts refuses says why, on the card and in the event', async () => {
  const v = await openCard(browser, { project_id: unique('p'), dataset_id: 'text-dataset', actions: 'sync' },
    { init: recordSyncs });
  try {
    await waitForState(v.card, 'ok');
    await button(v.card).click();
    await button(v.card).click();
    await v.card.locator('[data-field="sync_error"]').waitFor({ timeout: 10_000 });
    assert.equal(await v.card.locator('.mss-alert--sync .mss-alert__title').textContent(), 'Could not start the sync');
    assert.match(await text(v.card, 'sync_error'), /ModelArts\.4371/);
    const [event] = await v.page.evaluate(() => window.__syncs);
    assert.equal(event.ok, false);
    assert.match(event.error, /ModelArts\.4371/);
    // The status itself is still shown, and the button is offered again.
    assert.equal(await v.card.getAttribute('data-status'), 'NOT_EXIST');
    assert.equal(await step(v.card), 'failed');
    assert.equal(await button(v.card).textContent(), 'Sync now');
  } finally {
    await v.close();
  }
});

test('a second sync of one dataset within the cooldown is refused with the time to wait', async () => {
  // Two viewers of one dataset: the first starts a sync, the second (whose
  // card has not refreshed yet) tries too.
  const { page, close } = await openPage(browser, '/e2e/blank.html');
  try {
    await page.goto(`${BASE_URL}/?project_id=p&dataset_id=status-completed`);
    await page.evaluate(() => document.querySelector('#demo').remove());
    await addCards(page, ['status-completed', 'status-completed'],
      { 'project-id': unique('cool'), actions: 'sync', interval: '60' });
    const [first, second] = [1, 2].map((n) =>
      page.locator(`modelarts-sync-status:nth-of-type(${n})`).locator('.mss-card'));
    await waitForState(first, 'ok');
    await waitForState(second, 'ok');
    await button(first).click();
    await button(first).click();
    await first.and(page.locator('[data-status="QUEUING"], [data-status="STARTING"], [data-status="RUNNING"]'))
      .waitFor({ timeout: 10_000 });
    await button(second).click();
    await button(second).click();
    await second.locator('[data-field="sync_error"]').waitFor({ timeout: 10_000 });
    const said = await text(second, 'sync_error');
    assert.match(said, /429/);
    assert.match(said, /Try again in \d+ s\.$/);
    const wait = Number(said.match(/Try again in (\d+) s\.$/)[1]);
    assert.ok(wait > 0 && wait <= 60, `wait ${wait} s`);
  } finally {
    await close();
  }
});

test('a sync the network loses says so, and the status shown stays', async () => {
  // A proxy of the test's own, stopped between the two presses: the POST
  // meets a closed port, as when the proxy goes away.
  const mock = spawn(MOCK_BIN, ['--mock', '--listen', '127.0.0.1:0', '--allow-sync', '--allow-origin', BASE_URL], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => mock.once('exit', resolve));
  try {
    const [address] = await new Promise((resolve, reject) => {
      mock.once('error', reject);
      createInterface({ input: mock.stdout }).once('line', (line) => resolve([line.trim()]));
    });
    const origin = address.replace(/^listening on /, '');
    const v = await openCard(browser, {
      proxy: origin, project_id: 'p', dataset_id: 'status-completed', actions: 'sync', interval: '60',
    }, { init: recordSyncs });
    try {
      await waitForState(v.card, 'ok');
      await button(v.card).click();
      mock.kill();
      await exited;
      await button(v.card).click();
      await v.card.locator('[data-field="sync_error"]').waitFor({ timeout: 10_000 });
      assert.match(await text(v.card, 'sync_error'), /^Network error/);
      assert.equal(await v.card.getAttribute('data-status'), 'COMPLETED');
      const [event] = await v.page.evaluate(() => window.__syncs);
      assert.equal(event.ok, false);
      assert.match(event.error, /^Network error/);
    } finally {
      await v.close();
    }
  } finally {
    mock.kill();
  }
});

test('a viewer the portal does not let start a sync is told so', async () => {
  const { page, close } = await openPage(browser, '/e2e/blank.html');
  try {
    await page.goto(`${AUTH_BASE_URL}/e2e/blank.html`);
    await page.evaluate(() => { document.cookie = 'mss_user=bob; path=/; SameSite=Lax'; });
    const dataset = unique('done-bob');
    await page.goto(`${AUTH_BASE_URL}/?${new URLSearchParams({ project_id: 'p1', dataset_id: dataset, actions: 'sync' })}`);
    const card = page.locator('.mss-card');
    await waitForState(card, 'ok');
    await button(card).click();
    await button(card).click();
    await card.locator('[data-field="sync_error"]').waitFor({ timeout: 10_000 });
    assert.equal(
      await text(card, 'sync_error'),
      'Not allowed: the portal does not let you start a sync of this dataset. (HTTP 403 Forbidden, PROXY.0403)',
    );
    assert.equal(await triggers(page, dataset, AUTH_BASE_URL), 0);
  } finally {
    await page.evaluate(() => { document.cookie = 'mss_user=; path=/; max-age=0'; });
    await close();
  }
});

test('Sync now speaks the card\'s language', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: unique('done-zh'), actions: 'sync', lang: 'zh-CN' });
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await button(v.card).textContent(), '立即同步');
    await button(v.card).click();
    assert.equal(await button(v.card).textContent(), '确认同步');
    assert.equal(await text(v.card, 'sync_note'), '再次点击以开始同步此数据集。');
  } finally {
    await v.close();
  }
});

test('the confirmation is announced in the card\'s live region', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: unique('done-live'), actions: 'sync' });
  try {
    await waitForState(v.card, 'ok');
    await button(v.card).click();
    assert.equal(await v.card.locator('[aria-live="polite"] [data-field="sync_note"]').count(), 1);
  } finally {
    await v.close();
  }
});
