// Renders the card to docs/screenshots/*.png (run by `cargo xtask
// screenshots` once per engine; not a test): every state in Chromium
// (`running.png`), and the running, failed and dark cards in Firefox and
// WebKit beside them (`firefox-running.png`, `webkit-running.png`), and
// "Sync now" ready, confirming and refused (`sync-*.png`).
import { mkdir } from 'node:fs/promises';
import { ENGINE, launch, openCard, waitForState, dateText } from './helpers.mjs';

const OUT = new URL('../../docs/screenshots/', import.meta.url);
const SHOTS = [
  ['queuing', { dataset_id: 'status-queuing' }, 'ok'],
  ['starting', { dataset_id: 'status-starting' }, 'ok'],
  ['running', { dataset_id: 'status-running' }, 'ok'],
  ['completed', { dataset_id: 'status-completed' }, 'ok'],
  ['failed', { dataset_id: 'status-failed' }, 'ok'],
  ['not-exist', { dataset_id: 'status-not-exist' }, 'ok'],
  ['unknown', { dataset_id: 'status-paused' }, 'ok'],
  ['http-401', { dataset_id: 'http-401' }, 'error'],
  ['config-error', { dataset_id: '..', interval: '0' }, 'config-error'],
  ['zh-CN', { dataset_id: 'status-running', lang: 'zh-CN' }, 'ok'],
  ['dark', { dataset_id: 'status-failed', theme: 'dark' }, 'ok'],
  ['compact', { dataset_id: 'status-running', variant: 'compact' }, 'ok'],
  ['sync-ready', { dataset_id: 'status-failed', actions: 'sync' }, 'ok'],
  ['sync-confirm', { dataset_id: 'status-failed', actions: 'sync' }, 'ok', pressSync(1)],
  // A sync of the dataset was started a moment ago (by another viewer):
  // the proxy's cooldown refuses this one.
  ['sync-429', { dataset_id: 'status-completed', actions: 'sync' }, 'ok', async (v) => {
    await v.page.evaluate(() => fetch(`/api/v2/${new URLSearchParams(location.search).get('project_id')}`
      + '/datasets/status-completed/sync-data', {
      method: 'POST', headers: { 'X-Requested-With': 'screenshots' },
    }));
    await pressSync(2)(v);
    await v.card.locator('[data-field="sync_error"]').waitFor();
  }],
];

/** Presses the card's "Sync now" `times` times. */
function pressSync(times) {
  return async (v) => {
    for (let i = 0; i < times; i++) await v.card.locator('button[data-action="sync"]').click();
  };
}
const OTHER_ENGINES = ['running', 'failed', 'dark'];
const prefix = ENGINE === 'chromium' ? '' : `${ENGINE}-`;

await mkdir(OUT, { recursive: true });
// Reduced motion: the spinner is caught at rest, the same in every shot.
const browser = await launch({ reducedMotion: 'reduce' });
try {
  for (const [name, options, state, act] of SHOTS) {
    if (prefix && !OTHER_ENGINES.includes(name)) continue;
    // Each sync shot's project is new: the proxy's cooldown is per dataset.
    const project = act ? `shots-${Date.now()}` : 'proj-1';
    const v = await openCard(browser, { project_id: project, ...options });
    await waitForState(v.card, state);
    // Dates are formatted a moment after the status.
    if (state === 'ok') await dateText(v.card, 'updated_at');
    await act?.(v);
    const file = `${prefix}${name}.png`;
    await v.card.screenshot({ path: new URL(file, OUT).pathname });
    await v.close();
    console.log(`docs/screenshots/${file}`);
  }
} finally {
  await browser.close();
}
