// What both peers share: the page's options, the request, the words and
// formats of the card, and its CSS. A portal team writing the card itself
// would write about this much; it is bundled into each peer (and counted in
// its transfer size).

const query = new URLSearchParams(location.search);
const param = (name, fallback) => query.get(name) ?? query.get(name.replaceAll('_', '-')) ?? fallback;

/** The page's cards: `?n=100&project_id=p&dataset_id=d` → datasets d-0 … d-99 (n = 1: d). */
export const page = {
  proxy: param('proxy', '/api'),
  projectId: param('project_id', 'p'),
  datasets: (() => {
    const n = Math.max(1, Number(param('n', 1)) || 1);
    const id = param('dataset_id', 'status-running');
    return n === 1 ? [id] : Array.from({ length: n }, (_, i) => `${id}-${i}`);
  })(),
  interval: Number(param('interval', 10)) * 1000,
  idleInterval: Number(param('idle_interval', 60)) * 1000,
};

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'NOT_EXIST']);

/** Milliseconds until the next refresh of a task in this status. */
export const nextRefresh = (status) => (TERMINAL.has(status) ? page.idleInterval : page.interval);

/** GET the task's status; throws with the API's error_msg, or the HTTP status. */
export async function fetchStatus(projectId, datasetId, signal) {
  const url = `${page.proxy}/v2/${encodeURIComponent(projectId)}/datasets/${encodeURIComponent(datasetId)}/sync-data/status`;
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new Error(body?.error_msg ? `HTTP ${response.status}: ${body.error_msg}` : `HTTP ${response.status}`);
  }
  return response.json();
}

// `?intl=0`, for bench/trace.mjs only: without the page's first Intl
// formatter (ICU's start-up), to see what it costs the peers.
const INTL = param('intl', '1') !== '0';
export const count = (n) => {
  if (typeof n !== 'number') return '—';
  return INTL ? n.toLocaleString('en-US') : String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
};
export const time = (ms) => {
  if (typeof ms !== 'number') return '—';
  return INTL ? new Date(ms).toLocaleString() : new Date(ms).toISOString();
};

const CSS = `
.card { font: 14px/1.4 system-ui, sans-serif; border: 1px solid #d0d7de; border-radius: 8px;
  padding: 12px 16px; margin: 8px; max-width: 480px; background: #fff; color: #1f2328; }
.card header { display: flex; justify-content: space-between; align-items: center; }
.card h2 { font-size: 15px; margin: 0; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 999px; font-weight: 600;
  background: #ddf4ff; color: #0550ae; }
.badge[data-status="COMPLETED"] { background: #dafbe1; color: #116329; }
.badge[data-status="FAILED"] { background: #ffebe9; color: #a40e26; }
.counts, .details { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 8px 0; }
.counts dd, .details dd { margin: 0; font-variant-numeric: tabular-nums; }
.error { color: #a40e26; margin: 4px 0; }
`;

export function addStyles() {
  const style = document.createElement('style');
  style.textContent = CSS;
  document.head.append(style);
}
