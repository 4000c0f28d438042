// How a TypeScript page uses the widget's declarations
// (js/modelarts-sync-status.d.ts): `cargo xtask test` runs `tsc --strict`
// on this file. Each `@ts-expect-error` line must be an error: if the
// declarations were loose (`any`), tsc would fail on the unused directive.

import { mount, type SyncStatusOptions, type WidgetHandle } from '../../js/modelarts-sync-status';

const options: SyncStatusOptions = {
  projectId: 'p1',
  datasetId: 'd1',
  interval: 5,
  idleInterval: '0',
  theme: 'dark',
  requests: 'batch',
  lang: 'zh-CN',
};
const host = document.createElement('div');
const handle: WidgetHandle = mount(host, options);
handle.refresh();
handle.unmount();
handle.free();

// @ts-expect-error: a theme is one of its words.
const badTheme: SyncStatusOptions = { theme: 'neon' };
// @ts-expect-error: an interval is seconds (a number or its text), not a boolean.
const badInterval: SyncStatusOptions = { interval: true };
// @ts-expect-error: no such option.
const unknown: SyncStatusOptions = { datasetIds: ['d1'] };

// The element, by its tag: a property per option, its events typed.
const card = document.createElement('modelarts-sync-status');
card.datasetId = 'd2';
card.interval = 10;
card.theme = null;
const shown: string | null = card.datasetId;
card.refresh();
card.addEventListener('statuschange', (event) => {
  const status: string = event.detail.status;
  const previous: string | null = event.detail.previous;
  console.log(status, previous, event.detail.datasetId);
});
card.addEventListener('syncrequested', (event) => {
  const ok: boolean = event.detail.ok;
  console.log(ok, event.detail.error);
});
// @ts-expect-error: a variant is one of its words.
card.variant = 'huge';
// @ts-expect-error: a property reads the attribute's text, never a number.
const asNumber: number = card.interval;
// `lang` is HTMLElement's own property, which reflects the attribute.
card.lang = 'zh-CN';
const found = document.querySelector('modelarts-sync-status');
found?.refresh();

export { badTheme, badInterval, unknown, shown, asNumber };
