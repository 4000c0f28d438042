// Renders the card to docs/screenshots/*.png (run by `cargo xtask
// screenshots` once per engine; not a test): every state in Chromium
// (`running.png`), and the running, failed and dark cards in Firefox and
// WebKit beside them (`firefox-running.png`, `webkit-running.png`).
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
];
const OTHER_ENGINES = ['running', 'failed', 'dark'];
const prefix = ENGINE === 'chromium' ? '' : `${ENGINE}-`;

await mkdir(OUT, { recursive: true });
// Reduced motion: the spinner is caught at rest, the same in every shot.
const browser = await launch({ reducedMotion: 'reduce' });
try {
  for (const [name, options, state] of SHOTS) {
    if (prefix && !OTHER_ENGINES.includes(name)) continue;
    const v = await openCard(browser, { project_id: 'proj-1', ...options });
    await waitForState(v.card, state);
    // Dates are formatted a moment after the status.
    if (state === 'ok') await dateText(v.card, 'updated_at');
    const file = `${prefix}${name}.png`;
    await v.card.screenshot({ path: new URL(file, OUT).pathname });
    await v.close();
    console.log(`docs/screenshots/${file}`);
  }
} finally {
  await browser.close();
}
