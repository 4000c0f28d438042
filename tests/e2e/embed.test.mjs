// Embedding: the custom element in its shadow root, live attributes, events,
// the JS API, themes and contrast, host CSS, many cards, strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openCard, openPage, waitForState, text, unique, addCards } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the element renders the card inside an open shadow root', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-running' });
  try {
    await waitForState(v.card, 'ok');
    const inShadow = await v.page.evaluate(() => {
      const host = document.querySelector('modelarts-sync-status');
      return {
        shadow: !!host.shadowRoot?.querySelector('.mss-card'),
        light: host.querySelector('.mss-card') !== null,
        global: document.querySelector('.mss-card') !== null,
      };
    });
    assert.deepEqual(inShadow, { shadow: true, light: false, global: false });
  } finally {
    await v.close();
  }
});

test('an attribute change switches the task at once', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-running', interval: '60' });
  try {
    await waitForState(v.card, 'ok');
    // The new card replaces the old one in the same task, and is displayed
    // at once: the host is never empty.
    const replaced = await v.page.evaluate(async () => {
      const host = document.querySelector('modelarts-sync-status');
      host.setAttribute('dataset-id', 'status-failed');
      await Promise.resolve();
      const cards = [...host.shadowRoot.querySelectorAll('.mss-card')];
      return cards.map((c) => [c.dataset.state, c.checkVisibility({ visibilityProperty: true })]);
    });
    assert.deepEqual(replaced, [['loading', true]]);
    await v.page.locator('.mss-card[data-status="FAILED"]').waitFor({ timeout: 3_000 });
    assert.equal(await text(v.card, 'dataset_id'), 'status-failed');
    assert.equal(await v.page.locator('.mss-card').count(), 1);
  } finally {
    await v.close();
  }
});

test('removing the element stops its requests', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: unique('removed'), interval: '1' });
  try {
    await waitForState(v.card, 'ok');
    await v.page.evaluate(() => document.querySelector('modelarts-sync-status').remove());
    const before = (await v.requests()).length;
    await v.page.waitForTimeout(2_500);
    assert.equal((await v.requests()).length, before);
  } finally {
    await v.close();
  }
});

test('statuschange fires with status, previous, projectId and datasetId', async () => {
  const dataset = unique('lifecycle');
  const { page, close } = await openPage(browser, `/?project_id=proj-9&dataset_id=${dataset}&interval=1`, {
    init: () => {
      window.__changes = [];
      document.addEventListener('statuschange', (e) =>
        window.__changes.push({ ...e.detail, composed: e.composed, bubbles: e.bubbles }));
    },
  });
  try {
    await page.waitForFunction(() => window.__changes.length >= 2, null, { timeout: 10_000 });
    const [first, second] = await page.evaluate(() => window.__changes);
    assert.deepEqual(first, {
      status: 'QUEUING', previous: null, projectId: 'proj-9', datasetId: dataset,
      composed: true, bubbles: true,
    });
    assert.equal(second.previous, 'QUEUING');
    assert.match(second.status, /^(STARTING|RUNNING)$/);
  } finally {
    await close();
  }
});

test('the JS API mounts, refreshes and unmounts', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-completed' });
  try {
    await waitForState(v.card, 'ok');
    const dataset = unique('js-api');
    const result = await v.page.evaluate(async (dataset) => {
      const { mount } = await import('/modelarts-sync-status-loader.js');
      const host = document.createElement('div');
      document.body.append(host);
      const card = mount(host, { projectId: 'p', datasetId: dataset, interval: 60, lang: 'zh-CN' });
      const root = () => host.shadowRoot.querySelector('.mss-card');
      for (let i = 0; i < 50 && root().dataset.state !== 'ok'; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const state = root().dataset.state;
      const label = host.shadowRoot.querySelector('.mss-refresh').textContent.trim();
      card.refresh();
      await new Promise((r) => setTimeout(r, 300));
      card.unmount();
      return { state, label, left: host.shadowRoot.querySelector('.mss-card') };
    }, dataset);
    assert.deepEqual(result, { state: 'ok', label: '刷新', left: null });
    assert.equal((await v.requests()).filter((u) => u.includes(dataset)).length, 2);
    await v.page.waitForTimeout(500);
    assert.equal((await v.requests()).filter((u) => u.includes(dataset)).length, 2);
  } finally {
    await v.close();
  }
});

test('aggressive host CSS does not change the card', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-failed' });
  try {
    await waitForState(v.card, 'ok');
    const styles = () => v.page.evaluate(() => {
      const root = document.querySelector('modelarts-sync-status').shadowRoot;
      return [...root.querySelectorAll('.mss-card, .mss-card *')].map((el) => {
        const s = getComputedStyle(el);
        return [s.color, s.fontSize, s.backgroundColor, s.fontFamily].join('|');
      });
    });
    const before = await styles();
    await v.page.addStyleTag({ content: '* { color: red !important; font-size: 40px !important; font-family: cursive !important } div, section, p, span { background: yellow !important }' });
    assert.deepEqual(await styles(), before);
  } finally {
    await v.close();
  }
});

/** Lowest text contrast ratio on the card, from the rendered styles. */
async function lowestContrast(page) {
  return page.evaluate(() => {
    const parse = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement ?? e.getRootNode().host) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const root = document.querySelector('modelarts-sync-status').shadowRoot;
    let worst = { ratio: 21, text: '' };
    for (const el of root.querySelectorAll('.mss-card *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !el.getClientRects().length) continue;
      const fg = lum(parse(getComputedStyle(el).color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < worst.ratio) worst = { ratio, text: el.textContent.trim().slice(0, 40) };
    }
    return worst;
  });
}

for (const theme of ['light', 'dark']) {
  test(`text contrast is at least 4.5:1 in the ${theme} theme`, async () => {
    for (const dataset of ['status-running', 'status-failed', 'status-queuing', 'status-not-exist', 'status-completed', 'status-paused', 'http-401']) {
      const v = await openCard(browser, { project_id: 'p', dataset_id: dataset, theme });
      try {
        await v.page.locator('.mss-card:not([data-state="loading"])').waitFor();
        const worst = await lowestContrast(v.page);
        assert.ok(worst.ratio >= 4.5, `${theme} ${dataset}: ${worst.ratio.toFixed(2)} for "${worst.text}"`);
      } finally {
        await v.close();
      }
    }
  });
}

// Safari before 17.5 and Firefox before 120 lack light-dark(), which every
// colour of the card goes through: there the card's colours are invalid at
// computed-value time, and it takes the page's (text and background), with
// no borders; it must stay legible. The card's sheet, as such a browser
// reads it: light-dark() an unknown function.
test('without light-dark() the card takes the page colours and stays legible', async () => {
  for (const dataset of ['status-failed', 'http-401']) {
    const v = await openCard(browser, { project_id: 'p', dataset_id: dataset });
    try {
      await v.page.locator('.mss-card:not([data-state="loading"])').waitFor();
      const replaced = await v.page.evaluate(() => {
        const sheet = document.querySelector('modelarts-sync-status').shadowRoot.adoptedStyleSheets[0];
        const css = [...sheet.cssRules].map((r) => r.cssText).join('\n');
        const count = css.split('light-dark(').length - 1;
        sheet.replaceSync(css.replaceAll('light-dark(', 'no-light-dark('));
        return count;
      });
      assert.ok(replaced >= 20, `${replaced} light-dark() in the sheet`);
      assert.equal(await v.card.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgba(0, 0, 0, 0)');
      assert.equal(await v.card.evaluate((e) => getComputedStyle(e).color), 'rgb(31, 41, 55)');
      const worst = await lowestContrast(v.page);
      assert.ok(worst.ratio >= 4.5, `${dataset}: ${worst.ratio.toFixed(2)} for "${worst.text}"`);
    } finally {
      await v.close();
    }
  }
});

// prefers-color-scheme is the browser's setting: a browser started dark.
test('theme auto follows prefers-color-scheme', async () => {
  const background = async (b) => {
    const v = await openCard(b, { project_id: 'p', dataset_id: 'status-running' });
    try {
      await waitForState(v.card, 'ok');
      return await v.card.evaluate((e) => getComputedStyle(e).backgroundColor);
    } finally {
      await v.close();
    }
  };
  assert.equal(await background(browser), 'rgb(255, 255, 255)');
  const dark = await launch({ colorScheme: 'dark' });
  try {
    assert.equal(await background(dark), 'rgb(17, 24, 39)');
  } finally {
    await dark.close();
  }
});

for (const theme of ['light', 'dark']) {
  test(`theme ${theme} holds whatever the browser prefers`, async () => {
    // The other scheme than the one asked for.
    const other = await launch({ colorScheme: theme === 'dark' ? 'light' : 'dark' });
    try {
      const v = await openCard(other, { project_id: 'p', dataset_id: 'status-running', theme });
      await waitForState(v.card, 'ok');
      assert.equal(await v.card.evaluate((e) => getComputedStyle(e).backgroundColor),
        theme === 'dark' ? 'rgb(17, 24, 39)' : 'rgb(255, 255, 255)');
      await v.close();
    } finally {
      await other.close();
    }
  });
}

// prefers-reduced-motion is the browser's setting: a browser started so.
test('reduced motion turns the animation off', async () => {
  const spin = async (b) => {
    const v = await openCard(b, { project_id: 'p', dataset_id: 'status-running' });
    try {
      await waitForState(v.card, 'ok');
      return await v.card.locator('.mss-badge__icon').evaluate((e) => getComputedStyle(e).animationName);
    } finally {
      await v.close();
    }
  };
  assert.equal(await spin(browser), 'mss-spin');
  const still = await launch({ reducedMotion: 'reduce' });
  try {
    assert.equal(await spin(still), 'none');
  } finally {
    await still.close();
  }
});

test('the refresh button takes the focus from the keyboard, with a visible ring', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-running' });
  try {
    await waitForState(v.card, 'ok');
    assert.ok(await v.page.evaluate(() => document.hasFocus()), 'the page has the keyboard focus');
    await v.page.keyboard.press('Tab');
    const button = v.card.locator('button[data-action="refresh"]');
    assert.equal(await button.evaluate((e) => e.matches(':focus-visible')), true);
    assert.notEqual(await button.evaluate((e) => getComputedStyle(e).outlineStyle), 'none');
  } finally {
    await v.close();
  }
});

test('a failure is announced once, not on every retry', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'http-401', interval: '1' });
  try {
    await waitForState(v.card, 'error');
    await v.page.evaluate(() => {
      const live = document.querySelector('modelarts-sync-status').shadowRoot.querySelector('[role="status"]');
      window.__liveMutations = 0;
      new MutationObserver((m) => { window.__liveMutations += m.length; })
        .observe(live, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    const before = (await v.requests()).length;
    await v.page.waitForTimeout(3_500);
    assert.ok((await v.requests()).length > before, 'retries happened');
    assert.equal(await v.page.evaluate(() => window.__liveMutations), 0);
  } finally {
    await v.close();
  }
});

test('the portal example works under the strict CSP', async () => {
  // /e2e/init.js records violations and errors from the page's start.
  const { page, close } = await openPage(browser, '/examples/portal.html');
  try {
    const cards = page.locator('.mss-card');
    await page.waitForFunction(() => {
      const hosts = [...document.querySelectorAll('modelarts-sync-status')];
      return hosts.length === 7 && hosts.every((h) => {
        const state = h.shadowRoot?.querySelector('.mss-card')?.dataset.state;
        return state === 'ok' || state === 'error';
      });
    }, null, { timeout: 10_000 });
    assert.equal(await cards.count(), 7);
    assert.equal(await page.locator('.mss-card--compact').count(), 4);
    const batches = (await page.requests()).filter((url) => url.includes('dataset_ids='));
    // The table's four batch cards asked in one request.
    assert.equal(batches.length, 1, batches.join('\n'));
    assert.match(batches[0], /dataset_ids=status-running,status-queuing,status-not-exist,http-403$/);
    assert.equal(await page.locator('.mss-card[data-theme="dark"]').count(), 1);
    assert.deepEqual(await page.evaluate(() => window.__e2e.violations), []);
    assert.ok(await page.locator('#events li').count() >= 6);
    assert.deepEqual(await page.problems(), []);
  } finally {
    await close();
  }
});

test('50 cards on one page work independently', async () => {
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-completed' });
  try {
    await waitForState(v.card, 'ok');
    const ids = Array.from({ length: 50 }, (_, i) => `many-${i}-${Date.now()}`);
    await addCards(v.page, ids, { variant: 'compact' });
    await v.page.waitForFunction((n) => {
      const cards = [...document.querySelectorAll('modelarts-sync-status')]
        .map((h) => h.shadowRoot?.querySelector('.mss-card'));
      return cards.length === n && cards.every((c) => c?.dataset.state === 'ok');
    }, 51, { timeout: 15_000 });
    const shown = await v.page.evaluate(() => [...document.querySelectorAll('modelarts-sync-status')]
      .slice(1).map((h) => h.shadowRoot.querySelector('[data-field="dataset_id"]').textContent));
    assert.deepEqual(shown, ids);
  } finally {
    await v.close();
  }
});

test('the widget\'s files arrive compressed, as the release precompressed them', async () => {
  // The release build writes a .br and a .gz beside each file; the proxy's
  // --static answers the one the browser accepts (WebKitGTK: gzip).
  const v = await openCard(browser, { project_id: 'p', dataset_id: 'status-running' });
  try {
    await waitForState(v.card, 'ok');
    // The page's own loads may have come from the cache (0 B on the wire,
    // as WebKit's did when an earlier test had loaded them): the page asks
    // for the two files again past its cache, as a first visit does.
    const files = await v.page.evaluate(async () => {
      const names = /modelarts-sync-status(_bg\.wasm|\.js)$/;
      const urls = [...new Set(performance.getEntriesByType('resource')
        .map((e) => e.name).filter((n) => names.test(n)))];
      await Promise.all(urls.map((u) => fetch(u, { cache: 'no-store' }).then((r) => r.arrayBuffer())));
      // The last load of each: the one just made.
      const last = new Map(performance.getEntriesByType('resource')
        .filter((e) => names.test(e.name))
        .map((e) => [e.name.split('/').pop(), [e.encodedBodySize, e.decodedBodySize]]));
      return [...last].map(([name, sizes]) => [name, ...sizes]);
    });
    assert.deepEqual(files.map(([name]) => name).sort(),
      ['modelarts-sync-status.js', 'modelarts-sync-status_bg.wasm'], JSON.stringify(files));
    for (const [name, encoded, decoded] of files) {
      // Brotli or gzip takes the wasm and the glue to under half.
      assert.ok(encoded > 0 && encoded < decoded / 2, `${name}: ${encoded} of ${decoded} B`);
    }
  } finally {
    await v.close();
  }
});

/** The card in `host`'s shadow root: its status and dataset, once it has one. */
async function cardOf(page, selector) {
  return page.waitForFunction((selector) => {
    const root = document.querySelector(selector)?.shadowRoot?.querySelector('.mss-card');
    if (root?.dataset.state !== 'ok') return null;
    const field = (name) => root.querySelector(`[data-field="${name}"]`)?.textContent ?? null;
    return { status: root.dataset.status, dataset: field('dataset_id'), theme: root.dataset.theme };
  }, selector, { timeout: 10_000 });
}

/** Loads tests/e2e/site/properties.js into the page. */
function loadPropertyHelpers(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/e2e/properties.js';
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  }));
}

test('a property and its attribute give the same card, and read the same', async () => {
  const { page, close } = await openPage(browser, '/?project_id=p&dataset_id=status-completed');
  try {
    await loadPropertyHelpers(page);
    const read = await page.evaluate(() => {
      document.querySelector('#demo').remove();
      const p = window.mssProperties;
      p.make('by-attribute', {},
        { 'project-id': 'p', 'dataset-id': 'status-failed', interval: '60', theme: 'dark' });
      p.make('by-property', { projectId: 'p', datasetId: 'status-failed', interval: 60, theme: 'dark' });
      return {
        property: p.read('by-property', ['datasetId', 'interval', 'lang']),
        attribute: document.getElementById('by-property').getAttribute('dataset-id'),
        fromAttribute: p.read('by-attribute', ['datasetId']),
      };
    });
    assert.deepEqual(read, {
      // Read back as the attribute's text. `lang` is HTMLElement's own
      // property, which reads '' when the attribute is not set.
      property: [['status-failed', false], ['60', false], ['', false]],
      attribute: 'status-failed',
      fromAttribute: [['status-failed', false]],
    });
    const expected = { status: 'FAILED', dataset: 'status-failed', theme: 'dark' };
    assert.deepEqual(await cardOf(page, '#by-attribute'), expected);
    assert.deepEqual(await cardOf(page, '#by-property'), expected);
    // A property change switches the task at once, as the attribute does.
    await page.evaluate(() => window.mssProperties.set('by-property', { datasetId: 'status-running' }));
    await page.waitForFunction(() => document.querySelector('#by-property')
      .shadowRoot.querySelector('.mss-card[data-status="RUNNING"]') !== null, null, { timeout: 10_000 });
    assert.deepEqual(await page.problems(), []);
  } finally {
    await close();
  }
});

test('properties set before the element is defined are kept', async () => {
  const { page, close } = await openPage(browser, '/e2e/blank.html');
  try {
    await loadPropertyHelpers(page);
    // A framework that rendered before the loader ran. (The blank page has
    // no init script: errors are caught here.)
    await page.evaluate(async () => {
      window.__errors = [];
      window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
      window.addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));
      window.mssProperties.make('early', { projectId: 'p', datasetId: 'status-completed', interval: 60 });
      // As a page loads it (a test's `import()` would run it in Firefox's
      // WebDriver sandbox, not in the page).
      const loader = document.createElement('script');
      loader.type = 'module';
      loader.src = '/modelarts-sync-status-loader.js';
      document.head.append(loader);
    });
    assert.equal((await cardOf(page, '#early')).status, 'COMPLETED');
    const after = await page.evaluate(() => [
      window.mssProperties.read('early', ['datasetId']),
      document.querySelector('#early').getAttribute('dataset-id'),
    ]);
    // No longer an own property hiding the accessor: it reads the attribute.
    assert.deepEqual(after, [[['status-completed', false]], 'status-completed']);
    assert.deepEqual(await page.evaluate(() => window.__errors), []);
  } finally {
    await close();
  }
});

test('a page can name where the wasm is', async () => {
  const { page, close } = await openPage(browser, '/e2e/wasm-url.html');
  try {
    await waitForState(page.locator('.mss-card'), 'ok');
    const wasm = await page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname + new URL(e.name).search)
      .filter((path) => path.endsWith('.wasm') || path.includes('.wasm?')));
    assert.deepEqual(wasm, ['/modelarts-sync-status_bg.wasm?named=1']);
    assert.deepEqual(await page.problems(), []);
  } finally {
    await close();
  }
});
