// Where the first status's time goes: opens each page URL (TRACE_URLS,
// space-separated; TRACE_RUNS times each, alternating) in headless Chromium
// and prints the median time of each milestone of the request chain, in ms
// from navigation start: the page's own files (Resource Timing: request
// start → response end), the wasm's compile and instantiation, the custom
// element's definition, the first card's mount, the status request and the
// first status. The pages are the bench's: after a `cargo xtask bench`,
// serve them with the mock, e.g.
//
//   target/release/modelarts-sync-proxy --mock --listen 127.0.0.1:9101 --static target/bench/widget &
//   target/release/modelarts-sync-proxy --mock --listen 127.0.0.1:9102 --static target/bench/peers &
//   Q='project_id=p&dataset_id=status-running&interval=60'
//   TRACE_URLS="http://127.0.0.1:9101/?$Q http://127.0.0.1:9102/react.html?$Q" node bench/trace.mjs
//
// (`?intl=0` on a peer's page: without its first Intl formatter.)
// TRACE_LATENCY=40: every request takes 40 ms more (Chromium's network
// emulation), as across a real network rather than from the mock next door.
import { launch } from '../tests/e2e/playwright.mjs';
import { median } from './median.mjs';
import { RECORD_STATUS } from './status.mjs';

const urls = (process.env.TRACE_URLS ?? '').split(/\s+/).filter(Boolean);
const RUNS = Number(process.env.TRACE_RUNS ?? 15);
const LATENCY = Number(process.env.TRACE_LATENCY ?? 0);
if (!urls.length) throw new Error('TRACE_URLS: the pages to trace');

/** In the page before its scripts: wraps what the widget calls, to time it. */
const HOOKS = () => {
  const marks = (window.__marks = {});
  const mark = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
  const wrap = (obj, key, name) => {
    const orig = obj[key];
    if (typeof orig !== 'function') return;
    obj[key] = function (...args) {
      mark(`${name} called`);
      const out = orig.apply(this, args);
      if (out && typeof out.then === 'function') out.then(() => mark(`${name} done`), () => {});
      else mark(`${name} done`);
      return out;
    };
  };
  wrap(WebAssembly, 'compileStreaming', 'wasm compileStreaming');
  wrap(WebAssembly, 'instantiateStreaming', 'wasm instantiateStreaming');
  wrap(WebAssembly, 'instantiate', 'wasm instantiate');
  const define = customElements.define;
  customElements.define = function (name, ...rest) {
    mark(`define <${name}>`);
    return define.call(this, name, ...rest);
  };
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    mark('first attachShadow');
    return attach.call(this, init);
  };
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const url = String(input?.url ?? input);
    mark(url.includes('/sync-data/status') ? 'status fetch() called' : `fetch ${url.split('/').pop()}`);
    return fetch0.call(this, input, init);
  };
};

const browser = await launch();
const samples = urls.map(() => ({}));
const add = (into, key, value) => { (into[key] ??= []).push(value); };
for (let run = 0; run < RUNS; run++) {
  for (const [i, url] of urls.entries()) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(RECORD_STATUS);
    await page.addInitScript(HOOKS);
    if (LATENCY > 0) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: LATENCY, downloadThroughput: -1, uploadThroughput: -1,
      });
    }
    await page.goto(url);
    await page.waitForFunction(() => window.__status.all !== null, null, { timeout: 15_000 });
    const got = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const files = performance.getEntriesByType('resource').map((r) => ({
        name: new URL(r.name).pathname.replace(/^.*\/(snippets\/)?/, (_, s) => (s ? 'snippets/…/' : '')),
        start: r.startTime,
        end: r.responseEnd,
      }));
      return { html: nav.responseEnd, interactive: nav.domInteractive, files, marks: window.__marks, status: window.__status.first };
    });
    await context.close();
    const s = samples[i];
    add(s, 'HTML received', got.html);
    add(s, 'DOM interactive', got.interactive);
    for (const f of got.files) {
      const name = f.name.includes('sync-data/status') ? 'status request' : f.name;
      add(s, `${name}: start`, f.start);
      add(s, `${name}: end`, f.end);
    }
    for (const [k, v] of Object.entries(got.marks)) add(s, k, v);
    add(s, 'FIRST STATUS', got.status);
  }
  process.stderr.write(`trace: run ${run + 1} of ${RUNS}\n`);
}
await browser.close();

for (const [i, url] of urls.entries()) {
  console.log(`\n${url} (medians of ${RUNS}, ms from navigation start)`);
  const rows = Object.entries(samples[i]).map(([k, xs]) => [k, median(xs), xs.length]);
  rows.sort((a, b) => a[1] - b[1]);
  for (const [k, v, n] of rows) console.log(`${v.toFixed(1).padStart(8)}  ${k}${n < RUNS ? ` (${n} runs)` : ''}`);
}
