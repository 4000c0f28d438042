// The widget's npm package in real apps: a React 19 and a Vue 3 app
// (tests/apps), built by Vite from the packed tarball, served by the mock
// under /apps/<name>/. Each shows a table of cards whose dataset IDs come
// from the app's state, switches them with a button, and handles
// statuschange.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Each row's card status and the status the app saw in its event. */
function rows(page) {
  return page.evaluate(() => [0, 1].map((row) => {
    const card = document.getElementById(`card-${row}`)?.shadowRoot?.querySelector('.mss-card');
    const seen = card ? document.querySelectorAll('.seen')[row] : null;
    return [card?.dataset.status ?? null, seen?.textContent ?? null];
  }));
}

async function waitForRows(page, expected) {
  const wanted = JSON.stringify(expected);
  const until = Date.now() + 15_000;
  for (;;) {
    const got = await rows(page);
    if (JSON.stringify(got) === wanted) return;
    if (Date.now() > until) assert.deepEqual(got, expected);
    await page.waitForTimeout(100);
  }
}

for (const app of ['react', 'vue']) {
  test(`${app}: the cards follow the app's state and report their statuses`, async () => {
    const { page, close } = await openPage(browser, `/apps/${app}/index.html`);
    try {
      await waitForRows(page, [['RUNNING', 'RUNNING'], ['FAILED', 'FAILED']]);
      // The framework set the options as the element's properties, which
      // write the attributes.
      const attributes = await page.evaluate(() => {
        const card = document.getElementById('card-0');
        return ['project-id', 'dataset-id', 'interval', 'variant'].map((a) => card.getAttribute(a));
      });
      assert.deepEqual(attributes, ['p', 'status-running', '60', 'compact']);
      await page.locator('#switch').click();
      await waitForRows(page, [['COMPLETED', 'COMPLETED'], ['QUEUING', 'QUEUING']]);
      assert.deepEqual(await page.problems(), []);
    } finally {
      await close();
    }
  });
}
