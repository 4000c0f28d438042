// Renders the card in each status to docs/screenshots/*.png (run by
// `cargo xtask screenshots`; not a test).
import { mkdir } from 'node:fs/promises';
import { launch, openCard, waitForState, dateText } from './helpers.mjs';

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

await mkdir(OUT, { recursive: true });
const browser = await launch();
try {
  for (const [name, options, state] of SHOTS) {
    const v = await openCard(browser, { project_id: 'proj-1', ...options });
    await waitForState(v.card, state);
    // Dates are formatted a moment after the status.
    if (state === 'ok') await dateText(v.card, 'updated_at');
    // Let "now" settle and the spinner be caught mid-turn consistently.
    await v.page.emulateMedia({ reducedMotion: 'reduce' });
    await v.card.screenshot({ path: new URL(`${name}.png`, OUT).pathname });
    await v.close();
    console.log(`docs/screenshots/${name}.png`);
  }
} finally {
  await browser.close();
}
