// What a user sees on the card for every status and every kind of failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openCard, waitForState, text, dateText } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function show(dataset, extra = {}) {
  const view = await openCard(browser, { project_id: 'proj-1', dataset_id: dataset, ...extra });
  return view;
}

const STATUSES = [
  ['status-queuing', 'QUEUING', 'Queued', 'queuing'],
  ['status-starting', 'STARTING', 'Starting', 'starting'],
  ['status-running', 'RUNNING', 'Running', 'running'],
  ['status-completed', 'COMPLETED', 'Completed', 'completed'],
  ['status-failed', 'FAILED', 'Failed', 'failed'],
  ['status-not-exist', 'NOT_EXIST', 'No sync task', 'not-exist'],
];

for (const [dataset, status, words, modifier] of STATUSES) {
  test(`${status}: badge words, icon class and data-status`, async () => {
    const v = await show(dataset);
    try {
      await waitForState(v.card, 'ok');
      assert.equal(await v.card.getAttribute('data-status'), status);
      assert.equal(await text(v.card, 'status'), words);
      assert.equal(await v.card.locator(`.mss-badge--${modifier} .mss-badge__icon`).count(), 1);
      assert.match(await dateText(v.card, 'updated_at'), /now|second/);
      assert.equal(await v.card.locator('[data-field="request_error"]').count(), 0);
      assert.deepEqual(await v.problems(), []);
    } finally {
      await v.close();
    }
  });
}

test('RUNNING shows grouped counts, IDs, created time and duration', async () => {
  const v = await show('status-running');
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await text(v.card, 'total_sample_count'), '12,480');
    assert.equal(await text(v.card, 'add_sample_count'), '1,250');
    assert.equal(await text(v.card, 'deleted_sample_count'), '32');
    assert.equal(await text(v.card, 'dataset_id'), 'status-running');
    assert.match(await text(v.card, 'task_id'), /^task[0-9a-f]{12}$/);
    assert.equal(await text(v.card, 'duration_time'), '12 min 34 s');
    assert.match(await dateText(v.card, 'create_time'), /\d{4}/);
    const created = v.card.locator('[data-field="create_time"]');
    assert.match(await created.getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/);
  } finally {
    await v.close();
  }
});

// The request is on its way while the card renders its first time, not
// after: the render costs the first status nothing on a real network.
test('the status request leaves before the card first renders', async () => {
  const watch = () => {
    const fetch0 = window.fetch;
    window.cardAtFetch = [];
    window.fetch = function (input, init) {
      if (String(input?.url ?? input).includes('/sync-data/status')) {
        const host = document.querySelector('modelarts-sync-status');
        window.cardAtFetch.push(host?.shadowRoot?.querySelector('.mss-card') ? 'rendered' : 'not yet');
      }
      return fetch0.call(window, input, init);
    };
  };
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-running' }, { init: watch });
  try {
    await waitForState(v.card, 'ok');
    assert.deepEqual(await v.page.evaluate(() => window.cardAtFetch), ['not yet']);
  } finally {
    await v.close();
  }
});

test('the status does not wait for the date formatters, made when the page is idle', async () => {
  // Holds the page's idle callbacks until the test runs them.
  const hold = () => {
    window.idleCallbacks = [];
    window.requestIdleCallback = (f) => window.idleCallbacks.push(f);
  };
  const v = await openCard(browser, { project_id: 'proj-1', dataset_id: 'status-running' }, { init: hold });
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await text(v.card, 'status'), 'Running');
    assert.equal(await text(v.card, 'duration_time'), '12 min 34 s');
    // Until then, in UTC as in their datetime.
    for (const field of ['create_time', 'updated_at']) {
      const time = v.card.locator(`[data-field="${field}"]`);
      assert.match(await time.textContent(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(await time.textContent(), await time.getAttribute('datetime'));
    }
    const ran = await v.page.evaluate(() => {
      const due = window.idleCallbacks.splice(0);
      for (const f of due) f({ didTimeout: false, timeRemaining: () => 50 });
      return due.length;
    });
    assert.equal(ran, 1);
    assert.match(await dateText(v.card, 'create_time'), /\d{4}/);
    assert.match(await dateText(v.card, 'updated_at'), /now|second/);
    assert.deepEqual(await v.problems(), []);
  } finally {
    await v.close();
  }
});

test('FAILED shows the failure panel with error_code and error_msg', async () => {
  const v = await show('status-failed');
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await text(v.card, 'error_code'), 'ModelArts.4370');
    assert.match(await text(v.card, 'error_msg'), /OBS path of the dataset does not exist/);
    assert.match(await v.card.locator('.mss-failure').textContent(), /Synchronization failed/);
  } finally {
    await v.close();
  }
});

test('an unknown status is shown as sent, with a neutral look', async () => {
  const v = await show('status-paused');
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await v.card.getAttribute('data-status'), 'PAUSED');
    assert.equal(await text(v.card, 'status'), 'PAUSED');
    assert.equal(await v.card.locator('.mss-badge--unknown').count(), 1);
  } finally {
    await v.close();
  }
});

test('absent fields are not shown as 0', async () => {
  const v = await show('minimal');
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await v.card.getAttribute('data-status'), 'COMPLETED');
    for (const field of ['total_sample_count', 'add_sample_count', 'deleted_sample_count', 'task_id', 'create_time', 'duration_time']) {
      assert.equal(await v.card.locator(`[data-field="${field}"]`).count(), 0, field);
    }
    assert.equal(await v.card.locator('.mss-count .mss-missing').count(), 3);
    assert.equal(await text(v.card, 'dataset_id'), 'gfghHSokody6AJigS5A');
  } finally {
    await v.close();
  }
});

test('counts above 2^53 are shown exactly', async () => {
  const v = await show('huge-counts');
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await text(v.card, 'total_sample_count'), '9,007,199,254,740,993');
    assert.equal(await text(v.card, 'add_sample_count'), '9,223,372,036,854,775,807');
    assert.equal(await text(v.card, 'deleted_sample_count'), '18,014,398,509,481,985');
  } finally {
    await v.close();
  }
});

test('HTML in error_msg is shown as text and never runs', async () => {
  const v = await show('failed-html');
  try {
    await waitForState(v.card, 'ok');
    const msg = v.card.locator('[data-field="error_msg"]');
    assert.equal(
      await msg.textContent(),
      '<img src=x onerror="window.__mssInjected=1"><script>window.__mssInjected=2</script><b>bold</b>',
    );
    assert.equal(await msg.locator('img, script, b').count(), 0);
    assert.equal(await v.page.evaluate(() => typeof window.__mssInjected), 'undefined');
  } finally {
    await v.close();
  }
});

test('HTTP 401 with an APIG error body names code and message', async () => {
  const v = await show('http-401');
  try {
    await waitForState(v.card, 'error');
    assert.equal(
      await text(v.card, 'request_error'),
      'HTTP 401 Unauthorized: APIG.0301: Incorrect IAM authentication information: the token has expired.',
    );
    assert.equal(await v.card.getAttribute('data-status'), null);
  } finally {
    await v.close();
  }
});

test('HTTP 400 ModelArts.4352 and 404 APIG.0101', async () => {
  for (const [dataset, expected] of [
    ['http-400', 'HTTP 400 Bad Request: ModelArts.4352: Dataset not found.'],
    ['http-404', 'HTTP 404 Not Found: APIG.0101: The API does not exist or has not been published in the environment.'],
    ['http-403', 'HTTP 403 Forbidden: ModelArts.0203: Forbidden: these credentials may not read this project.'],
  ]) {
    const v = await show(dataset);
    try {
      await waitForState(v.card, 'error');
      assert.equal(await text(v.card, 'request_error'), expected);
    } finally {
      await v.close();
    }
  }
});

test('a 502 with an HTML body says so without showing the HTML', async () => {
  const v = await show('http-502');
  try {
    await waitForState(v.card, 'error');
    assert.equal(
      await text(v.card, 'request_error'),
      'HTTP 502 Bad Gateway (the response was not JSON; it may come from a gateway or proxy)',
    );
    assert.doesNotMatch(await v.card.textContent(), /nginx|<html/);
  } finally {
    await v.close();
  }
});

test('a 200 whose body is not JSON is an unreadable answer', async () => {
  const v = await show('not-json');
  try {
    await waitForState(v.card, 'error');
    assert.match(await text(v.card, 'request_error'), /^Unreadable answer: the body is not valid JSON/);
  } finally {
    await v.close();
  }
});

test('a 200 whose members have the wrong types is a decode error naming the field', async () => {
  // RUNNING first, then `{"status": 5, "total_sample_count": "many"}`.
  const v = await show(`turns-odd-${Date.now()}`, { interval: '1' });
  try {
    await waitForState(v.card, 'ok');
    await waitForState(v.card, 'error');
    assert.equal(
      await text(v.card, 'request_error'),
      'Unreadable answer: status: invalid type: integer `5`, expected a string',
    );
    // The last good answer stays, and polling goes on.
    assert.equal(await v.card.getAttribute('data-status'), 'RUNNING');
    assert.equal(await text(v.card, 'total_sample_count'), '12,480');
    assert.match(await text(v.card, 'retry_in'), /^retrying in \d+ s$/);
    assert.deepEqual(await v.problems(), []);
  } finally {
    await v.close();
  }
});

test('without requestIdleCallback (Safari) the dates come all the same', async () => {
  const v = await openCard(browser, { project_id: 'proj-1', dataset_id: 'status-running' }, {
    init: () => { window.requestIdleCallback = undefined; },
  });
  try {
    await waitForState(v.card, 'ok');
    assert.match(await dateText(v.card, 'create_time'), /\d{4}, \d/);
    assert.match(await dateText(v.card, 'updated_at'), /now|second/);
    assert.deepEqual(await v.problems(), []);
  } finally {
    await v.close();
  }
});

test('a late first answer displays the loading state after 200 ms, not at once', async () => {
  // When the card's root is first in the DOM, and when it is first displayed.
  const watch = () => {
    window.shown = {};
    const attach = Element.prototype.attachShadow;
    Element.prototype.attachShadow = function (init) {
      const root = attach.call(this, init);
      new MutationObserver(() => {
        const card = root.querySelector('.mss-card');
        if (!card || shown.inserted) return;
        shown.inserted = performance.now();
        shown.height = card.getBoundingClientRect().height;
        const look = () => {
          if (!card.checkVisibility({ visibilityProperty: true })) return requestAnimationFrame(look);
          shown.after = performance.now() - shown.inserted;
          shown.state = card.dataset.state;
        };
        look();
      }).observe(root, { childList: true, subtree: true });
      return root;
    };
  };
  const v = await openCard(browser, { project_id: 'proj-1', dataset_id: 'slow' }, { init: watch });
  try {
    await v.page.waitForFunction(() => window.shown.after !== undefined, null, { timeout: 5_000 });
    const shown = await v.page.evaluate(() => window.shown);
    assert.equal(shown.state, 'loading');
    // Hidden, it keeps about a card's size: the page shifts less when it shows.
    assert.ok(shown.height > 200, `${shown.height} px tall while hidden`);
    // (The 200 ms run from before the root is inserted: mounting takes a moment.)
    assert.ok(shown.after >= 100, `displayed ${shown.after} ms after it was inserted`);
    assert.equal(await v.card.locator('.mss-loading').textContent(), 'Loading sync status…');
    assert.equal(await v.card.getAttribute('hidden'), null);
    assert.deepEqual(await v.problems(), []);
  } finally {
    await v.close();
  }
});

test('a slow answer times out with a clear message', async () => {
  const v = await show('slow', { timeout: '1' });
  try {
    await waitForState(v.card, 'error', 5_000);
    assert.equal(await text(v.card, 'request_error'), 'Timed out: no answer within 1 s');
  } finally {
    await v.close();
  }
});

test('an unreachable proxy is a network error', async () => {
  const v = await show('status-running', { proxy: 'http://127.0.0.1:9/nothing' });
  try {
    await waitForState(v.card, 'error');
    assert.match(await text(v.card, 'request_error'), /^Network error: the proxy could not be reached/);
  } finally {
    await v.close();
  }
});

test('after an error the last good data stays, marked by the error', async () => {
  const v = await show('flaky', { interval: '1' });
  try {
    await waitForState(v.card, 'ok');
    await waitForState(v.card, 'error', 8_000);
    assert.equal(await v.card.getAttribute('data-status'), 'RUNNING');
    assert.equal(await text(v.card, 'total_sample_count'), '12,480');
    assert.match(await text(v.card, 'request_error'), /^HTTP 503 Service Unavailable/);
    await waitForState(v.card, 'ok', 8_000);
  } finally {
    await v.close();
  }
});

test('a configuration problem is explained and sends no request', async () => {
  const v = await openCard(browser, { dataset_id: 'status-running', interval: '0.1' });
  try {
    await waitForState(v.card, 'config-error');
    const errors = await text(v.card, 'config_error');
    assert.match(errors, /project_id is required/);
    assert.match(errors, /interval must be at least 1 second/);
    await v.page.waitForTimeout(500);
    assert.deepEqual(await v.requests(), []);
  } finally {
    await v.close();
  }
});

test('IDs are percent-encoded as path segments', async () => {
  const v = await openCard(browser, { project_id: 'p/../x', dataset_id: 'a b?c#d' });
  try {
    await waitForState(v.card, 'ok');
    assert.equal((await v.requests()).length, 1);
    assert.match((await v.requests())[0], /\/api\/v2\/p%2F\.\.%2Fx\/datasets\/a%20b%3Fc%23d\/sync-data\/status$/);
  } finally {
    await v.close();
  }
});

test('the refresh button fetches at once, and works from the keyboard', async () => {
  const v = await show('status-completed', { interval: '60' });
  try {
    await waitForState(v.card, 'ok');
    assert.equal((await v.requests()).length, 1);
    await v.card.locator('button[data-action="refresh"]').click();
    await v.page.waitForTimeout(300);
    assert.equal((await v.requests()).length, 2);
    await v.card.locator('button[data-action="refresh"]').focus();
    await v.page.keyboard.press('Enter');
    await v.page.waitForTimeout(300);
    assert.equal((await v.requests()).length, 3);
  } finally {
    await v.close();
  }
});

test('a simulated task moves through its lifecycle', async () => {
  // The e2e mock runs with an 8 s cycle.
  const v = await show(`lifecycle-${Date.now()}`, { interval: '1' });
  try {
    const seen = [];
    const deadline = Date.now() + 12_000;
    while (Date.now() < deadline && !seen.includes('COMPLETED')) {
      const s = await v.card.getAttribute('data-status');
      if (s && seen.at(-1) !== s) seen.push(s);
      await v.page.waitForTimeout(150);
    }
    assert.deepEqual(seen.filter((s) => s !== 'STARTING'), ['QUEUING', 'RUNNING', 'COMPLETED']);
  } finally {
    await v.close();
  }
});

test('zh-CN labels', async () => {
  const v = await show('status-running', { lang: 'zh-CN' });
  try {
    await waitForState(v.card, 'ok');
    assert.equal(await text(v.card, 'status'), '同步中');
    assert.equal(await text(v.card, 'duration_time'), '12 分 34 秒');
    assert.equal(await text(v.card, 'total_sample_count'), '12,480');
    assert.equal(await v.card.getAttribute('lang'), 'zh-CN');
  } finally {
    await v.close();
  }
});
