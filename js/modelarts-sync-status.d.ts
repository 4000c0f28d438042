// The widget's TypeScript declarations, made from its options table
// (core::config::OPTIONS) by core::config::typescript: a test fails when
// this file differs (`MSS_BLESS=1 cargo test` writes it).

/**
 * The options of `mount()`: every key also works in snake_case or kebab-case
 * (`project_id`, `project-id`); a number option also takes its text.
 */
export interface SyncStatusOptions {
  /** base URL of the proxy; relative URLs resolve against the page. The widget requests `{proxy}/v2/{project_id}/datasets/{dataset_id}/sync-data/status`. A value containing `{project_id}` or `{dataset_id}` is a template used as is, with the placeholders replaced. Only `http(s)` URLs. */
  proxy?: string | null;
  /** the project: a path segment, percent-encoded */
  projectId?: string | null;
  /** the dataset: a path segment, percent-encoded */
  datasetId?: string | null;
  /** seconds between refreshes while a task is active (at least 1; fractions allowed) */
  interval?: number | string | null;
  /** seconds between refreshes once the status is terminal (COMPLETED, FAILED, NOT_EXIST); never shorter than `interval`; 0 stops refreshing until the user refreshes */
  idleInterval?: number | string | null;
  /** seconds before a request is aborted and reported as timed out */
  timeout?: number | string | null;
  /** the longest wait between retries after failures, in seconds (never below `interval`) */
  maxBackoff?: number | string | null;
  /** unit of `duration_time`: `ms` or `s` (the API does not document it) */
  durationUnit?: 'ms' | 's' | null;
  /** `en` or `zh-CN` for every text; dates and relative times use `Intl` for that locale; counts are grouped as `12,480` (as both locales do) */
  lang?: string | null;
  /** `light`, `dark`, or `auto` (follows `prefers-color-scheme`) */
  theme?: 'light' | 'dark' | 'auto' | null;
  /** `card`, or `compact`: one line, for tables */
  variant?: 'card' | 'compact' | null;
  /** `single`: one request per card, to the API path any proxy serves; `batch`: the cards of a page share requests through the reference proxy's batch path (see Embedding). Needs a base URL, not a template. */
  requests?: 'single' | 'batch' | null;
  /** whether the browser sends the viewer's cookies to the proxy, which asks the portal who may see the dataset (`--auth-url`): `same-origin` (a proxy on the page's origin), `include` (a proxy on another origin that allows this one), or `omit` */
  credentials?: 'omit' | 'same-origin' | 'include' | null;
  /** `none`, or `sync`: a "Sync now" button while the task is not running, which starts a synchronization after a confirming second press (`POST {proxy}/v2/{project_id}/datasets/{dataset_id}/sync-data`; the proxy must allow it: see Starting a sync). Needs a base URL, not a template. */
  actions?: 'none' | 'sync' | null;
}

/** A card mounted by `mount()`. */
export interface WidgetHandle {
  /** Fetches the status at once. */
  refresh(): void;
  /** Stops the card's timers and requests and empties its host. */
  unmount(): void;
  /** Frees the handle in the wasm (after `unmount()`). */
  free(): void;
}

/**
 * Mounts a card into `element`'s shadow root. Invalid options show on the
 * card; only a host that cannot have a shadow root throws.
 */
export function mount(element: HTMLElement, options?: SyncStatusOptions | null): WidgetHandle;

/** `statuschange`'s `detail`: the new status, and the one before (`null` for the first). */
export interface StatusChangeDetail {
  status: string;
  previous: string | null;
  projectId: string;
  datasetId: string;
}

/** `syncrequested`'s `detail`: whether the sync started, and why not (in English). */
export interface SyncRequestedDetail {
  projectId: string;
  datasetId: string;
  ok: boolean;
  error: string | null;
}

/**
 * `<modelarts-sync-status>`. Every option is also a property that sets its
 * attribute (`null` removes it) and reads the attribute's text (or `null`).
 */
export interface ModelartsSyncStatusElement extends HTMLElement {
  /** base URL of the proxy; relative URLs resolve against the page. The widget requests `{proxy}/v2/{project_id}/datasets/{dataset_id}/sync-data/status`. A value containing `{project_id}` or `{dataset_id}` is a template used as is, with the placeholders replaced. Only `http(s)` URLs. */
  get proxy(): string | null;
  set proxy(value: string | null | undefined);
  /** the project: a path segment, percent-encoded */
  get projectId(): string | null;
  set projectId(value: string | null | undefined);
  /** the dataset: a path segment, percent-encoded */
  get datasetId(): string | null;
  set datasetId(value: string | null | undefined);
  /** seconds between refreshes while a task is active (at least 1; fractions allowed) */
  get interval(): string | null;
  set interval(value: number | string | null | undefined);
  /** seconds between refreshes once the status is terminal (COMPLETED, FAILED, NOT_EXIST); never shorter than `interval`; 0 stops refreshing until the user refreshes */
  get idleInterval(): string | null;
  set idleInterval(value: number | string | null | undefined);
  /** seconds before a request is aborted and reported as timed out */
  get timeout(): string | null;
  set timeout(value: number | string | null | undefined);
  /** the longest wait between retries after failures, in seconds (never below `interval`) */
  get maxBackoff(): string | null;
  set maxBackoff(value: number | string | null | undefined);
  /** unit of `duration_time`: `ms` or `s` (the API does not document it) */
  get durationUnit(): string | null;
  set durationUnit(value: 'ms' | 's' | null | undefined);
  /** `light`, `dark`, or `auto` (follows `prefers-color-scheme`) */
  get theme(): string | null;
  set theme(value: 'light' | 'dark' | 'auto' | null | undefined);
  /** `card`, or `compact`: one line, for tables */
  get variant(): string | null;
  set variant(value: 'card' | 'compact' | null | undefined);
  /** `single`: one request per card, to the API path any proxy serves; `batch`: the cards of a page share requests through the reference proxy's batch path (see Embedding). Needs a base URL, not a template. */
  get requests(): string | null;
  set requests(value: 'single' | 'batch' | null | undefined);
  /** whether the browser sends the viewer's cookies to the proxy, which asks the portal who may see the dataset (`--auth-url`): `same-origin` (a proxy on the page's origin), `include` (a proxy on another origin that allows this one), or `omit` */
  get credentials(): string | null;
  set credentials(value: 'omit' | 'same-origin' | 'include' | null | undefined);
  /** `none`, or `sync`: a "Sync now" button while the task is not running, which starts a synchronization after a confirming second press (`POST {proxy}/v2/{project_id}/datasets/{dataset_id}/sync-data`; the proxy must allow it: see Starting a sync). Needs a base URL, not a template. */
  get actions(): string | null;
  set actions(value: 'none' | 'sync' | null | undefined);
  /** Fetches the status at once. */
  refresh(): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'modelarts-sync-status': ModelartsSyncStatusElement;
  }
  interface HTMLElementEventMap {
    statuschange: CustomEvent<StatusChangeDetail>;
    syncrequested: CustomEvent<SyncRequestedDetail>;
  }
}
