// Shared set-up for the end-to-end tests: one suite, run in each engine the
// portals' users have, Chromium, Firefox and WebKit (E2E_BROWSER), through
// each engine's own WebDriver server, driven by selenium-webdriver.
//
// Why WebDriver and selenium-webdriver: WebDriver is the one automation
// protocol all three engines ship a server for (chromedriver, geckodriver,
// WebKitGTK's WebKitWebDriver, and Safari's safaridriver on a Mac), so the
// tests drive the browsers a distribution packages, never a patched build to
// download (Playwright's Firefox and WebKit builds cannot be had here, and
// WebKit has no BiDi, which puppeteer would need). selenium-webdriver is the
// W3C reference client, kept by the Selenium project with the engines; it is
// small (4 dependencies), never downloads a driver when given a server URL,
// and speaks BiDi too for the day WebKit does. WebdriverIO would bring a
// whole test framework we do not use.
//
// Everything Playwright did from outside the page, these helpers do from
// inside it, the same way in every engine:
// - a test's init function, run before the page's own scripts: each HTML
//   page of the test site (xtask's e2e_site: a copy of dist/) names
//   /e2e/init.js (tests/e2e/site/init.js) as a classic script in its <head>,
//   so it runs before the page's module scripts; it runs the function the
//   test left in sessionStorage, and records errors, console.error and CSP
//   violations from the page's start;
// - the requests a page sent: Resource Timing (what the browser fetched);
// - offline: the widget learns of it from navigator.onLine and the
//   online/offline events, which setOffline changes and sends (the real
//   switch exists only in Chromium's DevTools protocol);
// - locators pierce open shadow roots, as Playwright's CSS locators do;
// - colour scheme and reduced motion are the browser's settings, so a test
//   that needs them launches a browser with them (launch({ colorScheme,
//   reducedMotion })).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Builder, Key } from 'selenium-webdriver';
import { QUIET_CHROMIUM_FLAGS, dateText } from './shared.mjs';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:9009';
/** chromium, firefox or webkit. */
export const ENGINE = process.env.E2E_BROWSER ?? 'chromium';
if (!['chromium', 'firefox', 'webkit'].includes(ENGINE)) {
  throw new Error(`E2E_BROWSER=${ENGINE}: expected chromium, firefox or webkit`);
}

const env = (name, fallback) => process.env[name] || fallback;
const VIEWPORT = { width: 640, height: 720 };

const CHROMIUM_FLAGS = [
  '--headless',
  ...QUIET_CHROMIUM_FLAGS,
  '--lang=en-US',
  // As Playwright's headless Chromium: scrollbars take no room.
  '--hide-scrollbars',
  `--window-size=${VIEWPORT.width},${VIEWPORT.height}`,
];

/** A free TCP port on the loopback interface. */
const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.unref();
  server.on('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

/** Starts a WebDriver server; resolves once it answers /status. */
async function startDriver(program, args, extraEnv = {}) {
  const port = await freePort();
  const child = spawn(program, [...args, `--port=${port}`], {
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${program} exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > until) {
      child.kill();
      throw new Error(`${program} did not start within 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: async () => { child.kill(); await exited; } };
}

/** The driver server and session capabilities for this engine. */
async function engineSession({ colorScheme = 'light', reducedMotion = 'no-preference' }) {
  const dark = colorScheme === 'dark';
  const reduce = reducedMotion === 'reduce';
  const cleanups = [];
  if (ENGINE === 'chromium') {
    const driver = await startDriver(env('CHROMEDRIVER', '/usr/bin/chromedriver'), []);
    const args = [...CHROMIUM_FLAGS];
    if (dark) args.push('--force-dark-mode');
    if (reduce) args.push('--force-prefers-reduced-motion');
    return {
      driver,
      cleanups,
      capabilities: {
        browserName: 'chrome',
        'goog:chromeOptions': {
          binary: env('CHROMIUM', '/usr/bin/chromium'),
          args,
          prefs: { intl: { accept_languages: 'en-US' } },
        },
      },
    };
  }
  if (ENGINE === 'firefox') {
    const driver = await startDriver(env('GECKODRIVER', 'geckodriver'), []);
    return {
      driver,
      cleanups,
      capabilities: {
        browserName: 'firefox',
        'moz:firefoxOptions': {
          binary: env('FIREFOX', '/usr/bin/firefox-esr'),
          args: ['-headless'],
          prefs: {
            'intl.accept_languages': 'en-US',
            'intl.locale.requested': 'en-US',
            // 0 dark, 1 light: what prefers-color-scheme answers.
            'layout.css.prefers-color-scheme.content-override': dark ? 0 : 1,
            'ui.prefersReducedMotion': reduce ? 1 : 0,
            'app.update.enabled': false,
            'browser.shell.checkDefaultBrowser': false,
            'datareporting.policy.dataSubmissionEnabled': false,
            'network.captive-portal-service.enabled': false,
            'network.connectivity-service.enabled': false,
          },
        },
      },
    };
  }
  // WebKitGTK: MiniBrowser under the X server of `xvfb-run` (its --headless
  // hangs the session). GTK settings give it the colour scheme and motion.
  const config = mkdtempSync(join(tmpdir(), 'mss-webkit-'));
  cleanups.push(() => rmSync(config, { recursive: true, force: true }));
  mkdirSync(join(config, 'gtk-3.0'));
  writeFileSync(join(config, 'gtk-3.0', 'settings.ini'),
    `[Settings]\ngtk-application-prefer-dark-theme=${dark ? 1 : 0}\ngtk-enable-animations=${reduce ? 0 : 1}\n`);
  const driver = await startDriver(env('WEBKIT_DRIVER', '/usr/bin/WebKitWebDriver'), [], {
    XDG_CONFIG_HOME: config,
    GTK_THEME: dark ? 'Adwaita:dark' : 'Adwaita',
    LANG: 'en_US.UTF-8',
  });
  return {
    driver,
    cleanups,
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: env('MINIBROWSER', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'),
        args: ['--automation'],
      },
    },
  };
}

/**
 * Starts this engine's browser (a WebDriver session of its own): the
 * light colour scheme and full motion unless told otherwise.
 */
export async function launch(options = {}) {
  const { driver: server, capabilities, cleanups } = await engineSession(options);
  let driver;
  try {
    driver = await new Builder()
      .disableEnvironmentOverrides()
      .usingServer(server.url)
      .withCapabilities(capabilities)
      .build();
    await driver.manage().setTimeouts({ script: 30_000, pageLoad: 30_000 });
    // WebKit: at the top left of the 1024x768 screen of xtask's xvfb-run.
    // With no window manager, X gives the keyboard focus to the window under
    // the pointer, which rests at the screen's centre: covering it, the page
    // has the focus, as a user's has (document.hasFocus(), :focus-visible).
    if (ENGINE !== 'chromium') await driver.manage().window().setRect({ x: 0, y: 0, ...VIEWPORT });
  } catch (e) {
    await server.stop();
    throw e;
  }
  const page = new Page(driver);
  return {
    engine: ENGINE,
    driver,
    /** The browser's one page, on a blank document. */
    newPage: async () => { await driver.get('about:blank'); return page; },
    close: async () => {
      try { await driver.quit(); } finally {
        await server.stop();
        for (const f of cleanups) f();
      }
    },
  };
}

// In-page code that finds elements through open shadow roots. A locator is
// a list of steps: ['css', selector] (matches in and under the elements so
// far, piercing shadow roots), ['and', steps] (those also found by steps).
const FIND = `
const deep = (root) => {
  const out = [];
  const visit = (node) => {
    for (const el of node.querySelectorAll('*')) {
      out.push(el);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  if (root.shadowRoot) visit(root.shadowRoot);
  visit(root);
  return out;
};
const find = (steps) => {
  let found = [document];
  for (const [kind, arg] of steps) {
    if (kind === 'css') {
      const next = new Set();
      for (const root of found) for (const el of deep(root)) if (el.matches(arg)) next.add(el);
      found = [...next];
    } else {
      const also = new Set(find(arg));
      found = found.filter((el) => also.has(el));
    }
  }
  return found;
};
const visible = (el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
};
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The WebDriver session's page, with the few Playwright-like calls the tests use. */
class Page {
  constructor(driver) {
    this.driver = driver;
    this.keyboard = {
      press: async (key) => {
        const k = { Tab: Key.TAB, Enter: Key.ENTER }[key] ?? key;
        await driver.actions().keyDown(k).keyUp(k).perform();
      },
    };
  }

  async goto(url) {
    await this.driver.get(url);
  }

  /** Runs `fn(arg)` in the page; awaits what it returns. */
  evaluate(fn, arg) {
    return this.driver.executeScript(`return (${fn})(arguments[0]);`, arg);
  }

  waitForTimeout(ms) {
    return sleep(ms);
  }

  /** Waits until `fn(arg)` in the page is truthy; returns it. */
  async waitForFunction(fn, arg, { timeout = 30_000 } = {}) {
    const until = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(fn, arg);
      if (value) return value;
      if (Date.now() > until) throw new Error(`waitForFunction timed out after ${timeout} ms: ${fn}`);
      await sleep(50);
    }
  }

  locator(css) {
    return new Locator(this, [['css', css]]);
  }

  addStyleTag({ content }) {
    return this.evaluate((css) => {
      const style = document.createElement('style');
      style.textContent = css;
      document.head.append(style);
    }, content);
  }

  /** URLs of the status requests (single and batch) the page has sent so far. */
  requests() {
    return this.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => e.name)
      .filter((url) => url.includes('/sync-data/status')));
  }

  /** Errors, unhandled rejections and console.error since the page started. */
  problems() {
    return this.evaluate(() => window.__e2e?.problems ?? ['/e2e/init.js did not run']);
  }

  /** What the browser tells a page when the network goes away or comes back. */
  setOffline(offline) {
    return this.evaluate((offline) => {
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => !offline });
      window.dispatchEvent(new Event(offline ? 'offline' : 'online'));
    }, offline);
  }
}

/** Elements found by CSS selectors through open shadow roots. */
class Locator {
  constructor(page, steps) {
    this._page = page;
    this.steps = steps;
  }

  page() {
    return this._page;
  }

  locator(css) {
    return new Locator(this._page, [...this.steps, ['css', css]]);
  }

  and(other) {
    return new Locator(this._page, [...this.steps, ['and', other.steps]]);
  }

  /** Runs `fn(elements, arg)` in the page with the elements found now. */
  _run(fn, arg) {
    return this._page.driver.executeScript(
      `${FIND}\nreturn (${fn})(find(arguments[0]), arguments[1]);`, this.steps, arg);
  }

  count() {
    return this._run((els) => els.length);
  }

  /** Waits until an element is found (and visible, for `visible`). */
  async waitFor({ timeout = 30_000, state = 'visible' } = {}) {
    const until = Date.now() + timeout;
    for (;;) {
      const ok = await this._run((els, state) => els.length > 0
        && (state !== 'visible' || visible(els[0])), state);
      if (ok) return;
      if (Date.now() > until) {
        throw new Error(`no ${state} element for ${JSON.stringify(this.steps)} within ${timeout} ms`);
      }
      await sleep(50);
    }
  }

  /** Runs `fn(element, arg)` on the first element, once there is one. */
  async evaluate(fn, arg) {
    await this.waitFor({ state: 'attached' });
    return this._page.driver.executeScript(
      `${FIND}\nreturn (${fn})(find(arguments[0])[0], arguments[1]);`, this.steps, arg);
  }

  textContent() {
    return this.evaluate((el) => el.textContent);
  }

  getAttribute(name) {
    return this.evaluate((el, name) => el.getAttribute(name), name);
  }

  focus() {
    return this.evaluate((el) => el.focus());
  }

  /** A real click (the driver's pointer) on the first visible element. */
  async click() {
    await this.waitFor();
    const el = await this._run((els) => els[0]);
    await el.click();
  }

  /**
   * The element's part of a screenshot of the viewport (WebKitGTK's element
   * screenshots come back black above some line, and every engine's
   * viewport screenshot is right): the element must be in the viewport.
   */
  async screenshot({ path }) {
    await this.waitFor();
    // What the page shows once painted: WebKit's screenshot is its last
    // composited frame, which lags the DOM by a frame or more.
    const rect = await this.evaluate((el) => new Promise((done) =>
      requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => {
        const r = el.getBoundingClientRect();
        const k = devicePixelRatio;
        done({ x: r.x * k, y: r.y * k, width: r.width * k, height: r.height * k });
      }, 500)))));
    const shot = PNG.sync.read(Buffer.from(await this._page.driver.takeScreenshot(), 'base64'));
    const [x, y] = [Math.round(rect.x), Math.round(rect.y)];
    const width = Math.min(Math.round(rect.width), shot.width - x);
    const height = Math.min(Math.round(rect.height), shot.height - y);
    assert.ok(x >= 0 && y >= 0 && width > 0 && height > 0, `element out of the viewport: ${JSON.stringify(rect)}`);
    const out = new PNG({ width, height });
    PNG.bitblt(shot, out, x, y, width, height, 0, 0);
    writeFileSync(path, PNG.sync.write(out));
  }
}

/**
 * Opens `path` (of the test site) in the browser's page. `init`: a function
 * run in the page before its own scripts (by /e2e/init.js).
 */
export async function openPage(browser, path, { init } = {}) {
  const page = await browser.newPage();
  if (init) {
    await page.goto(`${BASE_URL}/e2e/blank.html`);
    await page.evaluate((src) => sessionStorage.setItem('mss-e2e-init', src), String(init));
  }
  await page.goto(`${BASE_URL}${path}`);
  return { page, close: () => page.goto('about:blank') };
}

/** Opens the demo page with these query options. */
export async function openCard(browser, options, { init } = {}) {
  const query = new URLSearchParams(options).toString();
  const { page, close } = await openPage(browser, `/?${query}`, { init });
  const card = page.locator('.mss-card');
  return {
    page,
    card,
    problems: () => page.problems(),
    requests: () => page.requests(),
    close,
  };
}

/** Waits until the card's root has this data-state. */
export async function waitForState(card, state, timeout = 10_000) {
  await card.and(card.page().locator(`[data-state="${state}"]`)).waitFor({ timeout });
}

export const text = (card, field) =>
  card.locator(`[data-field="${field}"]`).textContent();

export { dateText };

/**
 * Adds a card to the page for each dataset (project "p"), with these
 * attributes, in one task of the page's own, as a portal's script would: a
 * WebDriver script is not one everywhere (WebKit runs the microtasks that a
 * card's connectedCallback queues before the script goes on to the next
 * card, which no page script sees).
 */
export const addCards = (page, ids, attrs = {}) => page.evaluate(([ids, attrs]) => new Promise((done) => {
  setTimeout(() => {
    for (const id of ids) {
      const el = document.createElement('modelarts-sync-status');
      el.setAttribute('project-id', 'p');
      el.setAttribute('dataset-id', id);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      document.body.append(el);
    }
    done();
  });
}), [ids, attrs]);

/** A dataset ID no other test (or earlier run) has used: the mock keeps state per ID. */
export const unique = (name) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
