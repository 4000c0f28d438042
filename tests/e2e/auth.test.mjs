// Viewers the portal decides about: a proxy with --mock-auth (AUTH_BASE_URL,
// started by `cargo xtask test` beside the plain mock) asks, for each card,
// whether the viewer its cookie names may see the project. Real cookies, set
// by the page and sent by the browser: a cookie `mss_user=alice` may see
// project p1, none is 401, p2 is 403 (proxy/src/auth.rs, MOCK_VIEWERS).
// Cookies ignore ports, so one set on 127.0.0.1 goes to both mocks: the
// plain mock's page (BASE_URL) is "a portal on another origin".
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, waitForState, text } from './helpers.mjs';

const AUTH_BASE_URL = process.env.AUTH_BASE_URL;
if (!AUTH_BASE_URL) throw new Error('AUTH_BASE_URL: the URL of a mock started with --mock-auth');

let browser;
let page;
before(async () => {
  browser = await launch();
  page = await browser.newPage();
});
after(async () => { await browser?.close(); });
afterEach(async () => {
  // Signed out again, whatever the test did.
  await page.goto(`${AUTH_BASE_URL}/e2e/blank.html`);
  await page.evaluate(() => { document.cookie = 'mss_user=; path=/; max-age=0'; });
});

/** Signs in as `user` (or out) on `origin`: the cookie a portal sets. */
async function signIn(origin, user) {
  await page.goto(`${origin}/e2e/blank.html`);
  await page.evaluate((user) => {
    document.cookie = user ? `mss_user=${user}; path=/; SameSite=Lax` : 'mss_user=; path=/; max-age=0';
  }, user);
}

/** The demo page on `origin` with these options; its card. */
async function card(origin, options) {
  await page.goto(`${origin}/?${new URLSearchParams(options)}`);
  return page.locator('.mss-card');
}

test('a signed-in viewer sees the task of a project the portal lets them see', async () => {
  await signIn(AUTH_BASE_URL, 'alice');
  const c = await card(AUTH_BASE_URL, { project_id: 'p1', dataset_id: 'status-running' });
  await waitForState(c, 'ok');
  assert.equal(await text(c, 'status'), 'Running');
  assert.deepEqual(await page.problems(), []);
});

test('a viewer who is not signed in is told so, in the card\'s language', async () => {
  const c = await card(AUTH_BASE_URL, { project_id: 'p1', dataset_id: 'status-running' });
  await waitForState(c, 'error');
  assert.equal(
    await text(c, 'request_error'),
    'Not signed in: sign in to the portal to see this task. (HTTP 401 Unauthorized, PROXY.0401)',
  );
  assert.equal(await c.getAttribute('data-status'), null);
  const zh = await card(AUTH_BASE_URL, { project_id: 'p1', dataset_id: 'status-running', lang: 'zh-CN' });
  await waitForState(zh, 'error');
  assert.equal(
    await text(zh, 'request_error'),
    '未登录：请先登录门户再查看此任务。（HTTP 401 Unauthorized，PROXY.0401）',
  );
});

test('signing in lets the card through on the next refresh', async () => {
  const c = await card(AUTH_BASE_URL, { project_id: 'p1', dataset_id: 'status-completed', interval: '60' });
  await waitForState(c, 'error');
  // The portal's sign-in sets its cookie while the card is on the page.
  await page.evaluate(() => { document.cookie = 'mss_user=alice; path=/; SameSite=Lax'; });
  await c.locator('button[data-action="refresh"]').click();
  await waitForState(c, 'ok');
  assert.equal(await text(c, 'status'), 'Completed');
});

test('a project the viewer may not see is refused as such, in the card\'s language', async () => {
  await signIn(AUTH_BASE_URL, 'alice');
  const c = await card(AUTH_BASE_URL, { project_id: 'p2', dataset_id: 'status-running' });
  await waitForState(c, 'error');
  assert.equal(
    await text(c, 'request_error'),
    'Not allowed: the portal does not let you see this dataset. (HTTP 403 Forbidden, PROXY.0403)',
  );
  const zh = await card(AUTH_BASE_URL, { project_id: 'p2', dataset_id: 'status-running', lang: 'zh-CN' });
  await waitForState(zh, 'error');
  assert.equal(
    await text(zh, 'request_error'),
    '无权查看：门户不允许您查看此数据集。（HTTP 403 Forbidden，PROXY.0403）',
  );
});

test('a portal on another origin sends its viewers\' cookies only with credentials="include"', async () => {
  await signIn(BASE_URL, 'alice');
  const proxy = `${AUTH_BASE_URL}/api`;
  const options = { proxy, project_id: 'p1', dataset_id: 'status-running' };
  // The default, same-origin: the browser keeps the cookie to itself.
  const plain = await card(BASE_URL, options);
  await waitForState(plain, 'error');
  assert.match(await text(plain, 'request_error'), /PROXY\.0401\)$/);
  // include: sent, and the proxy's CORS answer lets the page read it.
  const included = await card(BASE_URL, { ...options, credentials: 'include' });
  await waitForState(included, 'ok');
  assert.equal(await text(included, 'status'), 'Running');
  assert.deepEqual(await page.problems(), []);
  await signIn(BASE_URL, null);
});

test('a sync is started only for a viewer the portal lets start it', async () => {
  // The browser's own POST, as the card's "Sync now" sends it (sync.test.mjs
  // presses the button itself): same origin, with the cookie the browser holds.
  // The mock outlives one engine's run and a dataset's sync has a cooldown:
  // each run takes a dataset of its own.
  const dataset = `auth-sync-${Date.now().toString(36)}`;
  const sync = () => page.evaluate(async (dataset) => {
    const r = await fetch(`/api/v2/p1/datasets/${dataset}/sync-data`, {
      method: 'POST',
      headers: { 'X-Requested-With': 'modelarts-sync-status' },
    });
    const body = await r.text();
    const triggers = (await (await fetch('/__mock/requests')).json()).triggers[dataset] ?? 0;
    return [r.status, body ? JSON.parse(body).error_code : null, triggers];
  }, dataset);
  await signIn(AUTH_BASE_URL, 'bob');
  assert.deepEqual(await sync(), [403, 'PROXY.0403', 0]);
  await signIn(AUTH_BASE_URL, 'alice');
  assert.deepEqual(await sync(), [200, null, 1]);
});
