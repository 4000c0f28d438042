// The benchmark behind `cargo xtask bench`: the release widget against what
// a portal team would write instead (bench/peers: React 18 + TanStack Query
// 5, and plain JS) and against a minimal Leptos baseline, all served by the
// mock, in headless Chromium.
//
// Env: WIDGET_URL, BASELINE_URL, PEERS_URL (servers), WIDGET_DIST,
// BASELINE_DIST, PEERS_DIST (folders), BENCH_RUNS (default and least 15),
// BENCH_NET_RUNS (runs per network profile, default and least 9),
// BENCH_OUT (markdown file to write). Progress goes to stderr; the markdown
// table to stdout at the end; exits 1 when a budget is missed.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { dateText, launch } from '../tests/e2e/playwright.mjs';
import { median } from './median.mjs';
import { RECORD_STATUS } from './status.mjs';

const RUNS = Math.max(15, Number(process.env.BENCH_RUNS ?? 15));
// Loads over emulated networks take seconds each: fewer runs.
const NET_RUNS = Math.max(9, Number(process.env.BENCH_NET_RUNS ?? 9));

/**
 * The networks users have, as Chromium's DevTools protocol emulates them
 * (Network.emulateNetworkConditions: a round trip added to each request,
 * throughput in bytes per second; Emulation.setCPUThrottlingRate). Every
 * file is served compressed (the release's .br/.gz; the peers' likewise),
 * as any web server does.
 */
const mbps = (n) => (n * 1_000_000) / 8;
const PROFILES = [
  { name: 'local', note: 'loopback, no throttling' },
  { name: 'fast-4g', note: '9 Mbps down, 1.5 Mbps up, 60 ms round trip', down: mbps(9), up: mbps(1.5), rtt: 60 },
  {
    name: 'lighthouse-mobile', note: "Lighthouse's mobile defaults: 1.6 Mbps down, 750 kbps up, 150 ms round trip, CPU 4× slower",
    down: mbps(1.6), up: mbps(0.75), rtt: 150, cpu: 4,
  },
];
const { WIDGET_URL, BASELINE_URL, PEERS_URL, WIDGET_DIST, BASELINE_DIST, PEERS_DIST } = process.env;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n) => `${n.toFixed(1)} ms`;

// --- progress, on stderr --------------------------------------------------------

/**
 * The bench's sections in order, each with its number of runs and the
 * seconds one run took on the development machine. The time left counts the
 * runs to come at the mean of the section's finished runs, or at that figure
 * for a section not begun (a page load or a fixed wait: how the first
 * sections went says little about the last).
 */
const SECTIONS = [
  ['first status, 1 card: widget, widget with hints, baseline, React, plain JS', RUNS, 3],
  ['all statuses, 100 cards: widget single and batch, React, plain JS', RUNS, 5],
  ['memory over 2,000 refreshes', 1, 25],
  ['DOM mutations of unchanged refreshes', 1, RUNS * 0.7],
  ['a page of 100 batch cards: rounds, idle, refresh()', RUNS, 46],
  ['first status over networks: local, fast-4g, lighthouse-mobile', NET_RUNS, 12],
];
const progress = {
  started: Date.now(),
  done: SECTIONS.map(() => ({ runs: 0, secs: 0 })),
  section: 0,
  runStarted: 0,
  run(section, k) {
    const now = Date.now();
    if (this.runStarted) {
      this.done[this.section].runs += 1;
      this.done[this.section].secs += (now - this.runStarted) / 1000;
    }
    this.section = section;
    this.runStarted = now;
    const each = (i) => (this.done[i].runs ? this.done[i].secs / this.done[i].runs : SECTIONS[i][2]);
    let left = each(section) * (SECTIONS[section][1] - k + 1);
    for (let i = section + 1; i < SECTIONS.length; i++) left += SECTIONS[i][1] * each(i);
    const [name, runs] = SECTIONS[section];
    process.stderr.write(
      `bench: [${section + 1}/${SECTIONS.length}] ${name}: run ${k} of ${runs}, about ${Math.max(1, Math.round(left / 60))} min left\n`);
  },
};

// --- transfer size ------------------------------------------------------------

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function transfer(dir, keep) {
  const files = walk(dir).filter(keep);
  const total = { raw: 0, gzip: 0, brotli: 0, files: files.map((f) => f.slice(dir.length + 1)) };
  for (const file of files) {
    const bytes = readFileSync(file);
    total.raw += bytes.length;
    total.gzip += gzipSync(bytes, { level: 9 }).length;
    total.brotli += brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
    }).length;
  }
  return total;
}

// The widget as a portal loads it: wasm, JS glue (the element's snippet
// inside), loader (its CSS is inside the wasm). The demo page's own files are
// not counted.
const widgetSize = transfer(WIDGET_DIST, (f) =>
  /(modelarts-sync-status(_bg\.wasm|\.js|-loader\.js)|snippets\/.*\.js)$/.test(f));
const baselineSize = transfer(BASELINE_DIST, (f) => /bench-baseline(_bg\.wasm|\.js)$/.test(f));
// The peers: the whole bundle each (its CSS inside, as the widget's).
const reactSize = transfer(PEERS_DIST, (f) => f.endsWith('/react.js'));
const plainSize = transfer(PEERS_DIST, (f) => f.endsWith('/plain.js'));

// --- pages ----------------------------------------------------------------------

const browser = await launch();
const m = (times) => Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)]));
const cdpOf = async (page) => page.context().newCDPSession(page);

/**
 * Opens `url` in a fresh context; the performance.now() (from navigation
 * start) at which all the page's cards (`?n=`, default 1) show a status.
 */
async function statusTime(url, profile = PROFILES[0]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (profile.rtt !== undefined) {
    const cdp = await cdpOf(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: profile.rtt, downloadThroughput: profile.down, uploadThroughput: profile.up,
    });
    if (profile.cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpu });
  }
  await page.addInitScript(RECORD_STATUS);
  await page.goto(url);
  await page.waitForFunction(() => window.__status.all !== null, null, { timeout: 30_000 });
  const t = await page.evaluate(() => window.__status.all);
  await context.close();
  return t;
}

/**
 * Runs each page's measure once per run, the order turning each run so that
 * drift on the machine, and going first or last, hit all alike.
 */
async function alternate(section, pages, { runs = RUNS, profile } = {}) {
  const times = Object.fromEntries(Object.keys(pages).map((k) => [k, []]));
  const names = Object.keys(pages);
  for (let i = 0; i < runs; i++) {
    progress.run(section, i + 1);
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      times[name].push(await statusTime(pages[name](), profile));
    }
  }
  return times;
}

// One card, a task that does not change; the widget on the plain embed page
// (the loader alone) and on the page with preload hints.
const ONE = 'project_id=p&dataset_id=status-running&interval=60';
const first = await alternate(0, {
  widget: () => `${WIDGET_URL}/?${ONE}`,
  widgetHinted: () => `${WIDGET_URL}/preload.html?${ONE}`,
  baseline: () => `${BASELINE_URL}/?project_id=p&dataset_id=status-running`,
  react: () => `${PEERS_URL}/react.html?${ONE}`,
  plain: () => `${PEERS_URL}/plain.html?${ONE}`,
});

// 100 cards of finished tasks, datasets no run asked for before, each page
// loaded with its cards: one request per card (the widget's default), and
// the widget's requests="batch" beside it.
const stamp = () => `done-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
const HUNDRED = () => `n=100&project_id=p&dataset_id=${stamp()}&interval=60`;
const all = await alternate(1, {
  widget: () => `${WIDGET_URL}/?${HUNDRED()}&requests=single`,
  widgetBatch: () => `${WIDGET_URL}/?${HUNDRED()}&requests=batch`,
  react: () => `${PEERS_URL}/react.html?${HUNDRED()}`,
  plain: () => `${PEERS_URL}/plain.html?${HUNDRED()}`,
});

// --- memory over many refreshes ----------------------------------------------

async function openWidget(query) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${WIDGET_URL}/?${query}`);
  await page.locator('.mss-card[data-state="ok"]').waitFor({ timeout: 15_000 });
  // Settled: the card's dates are formatted, so the page's date formatters
  // are made (in idle time after the first status), not inside a measurement.
  await dateText(page.locator('.mss-card'), 'updated_at');
  return { page, context, cdp: await cdpOf(page) };
}

/** Refreshes the demo card `n` times, one after the other. */
const refreshTimes = (page, n) => page.evaluate(async (n) => {
  const host = document.querySelector('modelarts-sync-status');
  const time = () => host.shadowRoot.querySelector('[data-field="updated_at"]');
  for (let i = 0; i < n; i++) {
    const before = time()?.getAttribute('datetime');
    host.refresh();
    const start = performance.now();
    // Each answer sets a new ISO time (ms precision); wait for it.
    while (time()?.getAttribute('datetime') === before && performance.now() - start < 2000) {
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}, n);

async function memory({ page, cdp }) {
  await cdp.send('HeapProfiler.collectGarbage');
  await page.waitForTimeout(200);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? NaN;
  const wasm = await page.evaluate(async () => {
    const glue = await import('/modelarts-sync-status.js');
    const exports = await glue.default();
    return exports.memory.buffer.byteLength;
  });
  const nodes = await page.evaluate(() => {
    const count = (root) => [...root.querySelectorAll('*')]
      .reduce((n, el) => n + 1 + (el.shadowRoot ? count(el.shadowRoot) : 0), 0);
    return count(document);
  });
  return { heap: metric('JSHeapUsedSize'), wasm, nodes };
}

progress.run(2, 1);
const mem = await openWidget('project_id=p&dataset_id=status-running&interval=3600');
await refreshTimes(mem.page, 100);
const after100 = await memory(mem);
await refreshTimes(mem.page, 1900);
const after2000 = await memory(mem);
await mem.context.close();

// --- DOM mutations of an unchanged refresh ------------------------------------

progress.run(3, 1);
const mut = await openWidget('project_id=p&dataset_id=status-running&interval=1');
const mutations = await mut.page.evaluate(async (rounds) => {
  const root = document.querySelector('modelarts-sync-status').shadowRoot;
  const time = () => root.querySelector('[data-field="updated_at"]');
  const counts = [];
  const outside = [];
  for (let i = 0; i < rounds; i++) {
    const before = time().getAttribute('datetime');
    const records = [];
    const observer = new MutationObserver((list) => records.push(...list));
    observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    // The next timer-driven refresh of unchanged data.
    while (time().getAttribute('datetime') === before) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    records.push(...observer.takeRecords());
    counts.push(records.length);
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (!el?.closest('.mss-updated')) {
        outside.push(`${r.type} ${el?.className ?? '?'} ${r.attributeName ?? ''}`.trim());
      }
    }
  }
  return { counts, outside: [...new Set(outside)] };
}, RUNS);
await mut.context.close();

// --- 100 cards ----------------------------------------------------------------
//
// A portal's table of cards: distinct datasets, compact cards, and
// requests="batch", the option for pages with many cards (one request per
// round for all of them, through the reference proxy's batch path). One card
// is measured the same way, for the ratio.

const BUSY = async (cdp) => (await cdp.send('Performance.getMetrics')).metrics
  .filter((m) => m.name === 'TaskDuration')[0].value * 1000;

/**
 * Opens a page with `n` cards refreshing every `interval` s; the time until
 * all show a status. `prefix`: "done-" IDs are finished tasks whose data
 * never changes; others are simulated tasks moving through their lifecycle.
 */
async function openCards(n, interval, prefix = 'done-') {
  const { page, context, cdp } = await openWidget('project_id=p&dataset_id=status-completed&interval=3600');
  const stamp = `${prefix}${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
  const shown = await page.evaluate(async ([n, stamp, interval]) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const el = document.createElement('modelarts-sync-status');
      el.setAttribute('project-id', 'p');
      el.setAttribute('dataset-id', `${stamp}-${i}`);
      el.setAttribute('interval', String(interval));
      el.setAttribute('idle-interval', String(interval));
      el.setAttribute('variant', 'compact');
      el.setAttribute('requests', 'batch');
      el.dataset.bench = stamp;
      document.body.append(el);
    }
    const all = [...document.querySelectorAll(`[data-bench="${stamp}"]`)];
    while (!all.every((h) => h.shadowRoot?.querySelector('.mss-card[data-status]'))) {
      await new Promise((r) => requestAnimationFrame(r));
    }
    return performance.now() - t0;
  }, [n, stamp, interval]);
  await cdp.send('Performance.enable');
  return { page, context, cdp, stamp, shown };
}

/** Main-thread time per second of a page of 100 cards that fetch nothing: the clocks of "updated … ago" tick. */
async function sittingOpen(cards) {
  const i0 = await BUSY(cards.cdp);
  const w0 = Date.now();
  await cards.page.waitForTimeout(4000);
  return ((await BUSY(cards.cdp)) - i0) / ((Date.now() - w0) / 1000);
}

/** `refresh()` on every card at once, as a user or script would: main-thread time until all answered, less idle. */
async function manualRound(cards, idlePerSecond) {
  const t0 = await BUSY(cards.cdp);
  const w0 = Date.now();
  await cards.page.evaluate(async () => {
    const hosts = [...document.querySelectorAll('modelarts-sync-status')];
    const last = hosts[hosts.length - 1].shadowRoot;
    const time = () => last.querySelector('[data-field="updated_at"]')?.getAttribute('datetime');
    const before = time();
    for (const h of hosts) h.refresh();
    // One batch answers every card at once: watching the last one is enough.
    while (time() === before) await new Promise((r) => requestAnimationFrame(r));
  });
  return Math.max(0, (await BUSY(cards.cdp)) - t0 - idlePerSecond * ((Date.now() - w0) / 1000));
}

/**
 * The steady state: cards refreshing on their own every 2 s, with data that
 * did not change ("done-" tasks) or with every task moving (lifecycle). Batch cards
 * refresh on whole seconds, and their clocks tick on whole seconds too, so
 * each second of the wall clock holds either a refresh round and a tick, or
 * a tick alone. The round's main-thread time is the difference between the
 * two kinds of second, on the same page, averaged over 12 seconds.
 */
async function timerRound(prefix) {
  const cards = await openCards(100, 2, prefix);
  const updated = () => cards.page.evaluate(() => {
    const hosts = document.querySelectorAll('modelarts-sync-status');
    return hosts[hosts.length - 1].shadowRoot.querySelector('[data-field="updated_at"]')?.getAttribute('datetime');
  });
  // Windows from the middle of one second to the middle of the next.
  const toMiddle = () => cards.page.waitForTimeout(1500 - ((Date.now() + 1000) % 1000));
  await cards.page.waitForTimeout(2000);
  await toMiddle();
  const withRound = [];
  const tickOnly = [];
  let [busy, time] = [await BUSY(cards.cdp), await updated()];
  for (let i = 0; i < 12; i++) {
    await toMiddle();
    const [b, t] = [await BUSY(cards.cdp), await updated()];
    (t !== time ? withRound : tickOnly).push(b - busy);
    [busy, time] = [b, t];
  }
  await cards.context.close();
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return Math.max(0, mean(withRound) - mean(tickOnly));
}

/** For scale: 100 plain fetch() calls from JS, main-thread time (what unbatched cards would pay per round). */
async function plainFetches() {
  const { page, context, cdp } = await openWidget('project_id=p&dataset_id=status-completed&interval=3600');
  await cdp.send('Performance.enable');
  const t0 = await BUSY(cdp);
  const w0 = Date.now();
  await page.evaluate(() => Promise.all(Array.from({ length: 100 }, (_, i) =>
    fetch(`/api/v2/p/datasets/plain-${i}/sync-data/status`, { cache: 'no-store' }).then((r) => r.text()))));
  const window = Date.now() - w0;
  const t1 = await BUSY(cdp);
  await page.waitForTimeout(window);
  const t2 = await BUSY(cdp);
  await context.close();
  return Math.max(0, (t1 - t0) - (t2 - t1));
}

const one = [];
const hundred = [];
const idles = [];
const manual = [];
const rounds = [];
const moving = [];
const plain = [];
for (let i = 0; i < RUNS; i++) {
  progress.run(4, i + 1);
  const single = await openCards(1, 3600);
  one.push(single.shown);
  await single.context.close();
  const cards = await openCards(100, 3600);
  hundred.push(cards.shown);
  const idle = await sittingOpen(cards);
  idles.push(idle);
  manual.push(await manualRound(cards, idle));
  await cards.context.close();
  rounds.push(await timerRound('done-'));
  moving.push(await timerRound('bench-'));
  plain.push(await plainFetches());
}

// The first status of one card on the plain embed page, widget beside the
// peers, on each network. A section's progress counts runs of all three.
const networks = {};
for (const profile of PROFILES) {
  networks[profile.name] = m(await alternate(5, {
    widget: () => `${WIDGET_URL}/?${ONE}`,
    react: () => `${PEERS_URL}/react.html?${ONE}`,
    plain: () => `${PEERS_URL}/plain.html?${ONE}`,
  }, { runs: NET_RUNS, profile }));
}
await browser.close();
process.stderr.write(`bench: done in ${Math.round((Date.now() - progress.started) / 60_000)} min\n\n`);

// --- report -------------------------------------------------------------------

// The test run's ceiling (xtask/src/size.rs).
const BUDGET_GZIP = 160 * 1024;
const f = m(first);
const a = m(all);
const budgets = [
  ['transfer ≤ 160 KB gzip', widgetSize.gzip <= BUDGET_GZIP, `${kb(widgetSize.gzip)}`],
  ['first status, 1 card, plain embed ≤ React peer', f.widget <= f.react, `${(f.widget / f.react).toFixed(2)} ×`],
  ['all statuses, 100 cards, one request each ≤ React peer', a.widget <= a.react, `${(a.widget / a.react).toFixed(2)} ×`],
  ...PROFILES.map(({ name }) => [`first status, 1 card, ${name} ≤ React peer`,
    networks[name].widget <= networks[name].react, `${(networks[name].widget / networks[name].react).toFixed(2)} ×`]),
  ['heap 100 → 2,000 refreshes within 5 %', Math.abs(after2000.heap / after100.heap - 1) <= 0.05,
    `${((after2000.heap / after100.heap - 1) * 100).toFixed(1)} %`],
  ['DOM nodes equal', after2000.nodes === after100.nodes, `${after100.nodes} → ${after2000.nodes}`],
  ['wasm memory equal', after2000.wasm === after100.wasm, `${kb(after100.wasm)} → ${kb(after2000.wasm)}`],
  ['unchanged refresh mutates only "updated"', mutations.outside.length === 0,
    mutations.outside.length ? mutations.outside.join('; ') : 'yes'],
  ['100-card refresh round < 16 ms main thread (data unchanged)', median(rounds) < 16, ms(median(rounds))],
];

const row = (cells) => `| ${cells.join(' | ')} |`;
const ratio = (x, y) => `${(x / y).toFixed(2)}`;
const lines = [
  'Against what a portal would write instead (bench/peers), each page loaded afresh, times from navigation start:',
  '',
  row(['measure', 'widget', 'React 18 + TanStack Query 5', 'plain JS', 'widget / React']),
  row(['---', '---:', '---:', '---:', '---:']),
  ...['raw', 'gzip', 'brotli'].map((k) =>
    row([`transfer ${k}`, kb(widgetSize[k]), kb(reactSize[k]), kb(plainSize[k]), ratio(widgetSize[k], reactSize[k])])),
  row([`first status, 1 card, plain embed page (median of ${RUNS})`, ms(f.widget), ms(f.react), ms(f.plain), ratio(f.widget, f.react)]),
  row([`all statuses, 100 cards, one request each (median of ${RUNS})`, ms(a.widget), ms(a.react), ms(a.plain), ratio(a.widget, a.react)]),
  row([`all statuses, 100 cards, widget with requests="batch" (median of ${RUNS})`, ms(a.widgetBatch), '—', '—', ratio(a.widgetBatch, a.react)]),
  '',
  `First status of one card on the plain embed page over emulated networks (Chromium's network and CPU emulation; files served compressed: the widget's and the baseline's the release's .br, the peers' their own; median of ${NET_RUNS}):`,
  '',
  row(['profile', 'widget', 'React 18 + TanStack Query 5', 'plain JS', 'widget / React', 'widget / plain JS']),
  row(['---', '---:', '---:', '---:', '---:', '---:']),
  ...PROFILES.map(({ name }) => {
    const n = networks[name];
    return row([name, ms(n.widget), ms(n.react), ms(n.plain), ratio(n.widget, n.react), ratio(n.widget, n.plain)]);
  }),
  '',
  ...PROFILES.map(({ name, note }) => `- \`${name}\`: ${note}.`),
  '',
  'Against the minimal Leptos baseline (a reference line, no budget since #24), and the widget on its own:',
  '',
  row(['measure', 'widget', 'baseline', 'ratio']),
  row(['---', '---:', '---:', '---:']),
  row(['transfer raw', kb(widgetSize.raw), kb(baselineSize.raw), ratio(widgetSize.raw, baselineSize.raw)]),
  row(['transfer gzip', kb(widgetSize.gzip), kb(baselineSize.gzip), ratio(widgetSize.gzip, baselineSize.gzip)]),
  row(['transfer brotli', kb(widgetSize.brotli), kb(baselineSize.brotli), ratio(widgetSize.brotli, baselineSize.brotli)]),
  row([`first status, page with preload hints (median of ${RUNS})`, ms(f.widgetHinted), ms(f.baseline), ratio(f.widgetHinted, f.baseline)]),
  row(['JS heap after 100 / 2,000 refreshes', `${kb(after100.heap)} / ${kb(after2000.heap)}`, '—', '—']),
  row(['wasm memory after 100 / 2,000', `${kb(after100.wasm)} / ${kb(after2000.wasm)}`, '—', '—']),
  row(['DOM nodes after 100 / 2,000', `${after100.nodes} / ${after2000.nodes}`, '—', '—']),
  row([`DOM mutations per unchanged refresh (median of ${RUNS})`, String(median(mutations.counts)), '—', '—']),
  row([`1 card added to a page (requests=batch): time to status (median of ${RUNS})`, ms(median(one)), '—', '—']),
  // (The "100 cards within 3 × one card" budget is retired: 100 requests
  // dominate whatever renders them; peers are the comparison now.)
  row([`100 cards added to a page (requests=batch): time to all statuses (median of ${RUNS})`, ms(median(hundred)), '—',
    `${(median(hundred) / median(one)).toFixed(2)} × one`]),
  row([`100 cards: main-thread time of a refresh round, data unchanged (median of ${RUNS})`, ms(median(rounds)), '—', '—']),
  row([`100 cards: main-thread time of a refresh round, every task moving (median of ${RUNS})`, ms(median(moving)), '—', '—']),
  row([`100 cards: main-thread time of refresh() on all, progress shown (median of ${RUNS})`, ms(median(manual)), '—', '—']),
  row([`100 cards sitting open: main-thread time per second (median of ${RUNS})`, ms(median(idles)), '—', '—']),
  row([`for scale: 100 plain fetch() calls from JS, main-thread time (median of ${RUNS})`, ms(median(plain)), '—', '—']),
  '',
  row(['budget', 'met', 'figure']),
  row(['---', '---', '---']),
  ...budgets.map(([name, ok, figure]) => row([name, ok ? 'yes' : '**no**', figure])),
  '',
  `Widget files: ${widgetSize.files.join(', ')}. React peer: ${reactSize.files.join(', ')}; plain JS: ${plainSize.files.join(', ')}. Baseline files: ${baselineSize.files.join(', ')}.`,
];
const report = lines.join('\n');
console.log(report);
if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${report}\n`);
const missed = budgets.filter(([, ok]) => !ok).map(([name]) => name);
if (missed.length) {
  console.error(`\nbudgets missed: ${missed.join('; ')}`);
  process.exit(1);
}
