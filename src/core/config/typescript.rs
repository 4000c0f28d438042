//! The TypeScript declarations of the widget's JS side, made from the
//! options table: `mount()`'s options and handle, the element with a
//! property per option, its tag and its events. The npm package ships them
//! (`cargo xtask package`); a test keeps `js/modelarts-sync-status.d.ts`
//! equal to [`declarations`], as the README's options table is kept.

use super::{properties, ts_types, OPTIONS, OPTION_DOCS};

/// The whole `.d.ts` file.
pub fn declarations() -> String {
    let mut out = String::from(HEADER);
    out.push_str(&options_interface());
    out.push_str(MOUNT);
    out.push_str(&element_interface());
    out.push_str(GLOBALS);
    out
}

/// One option's meaning as a doc comment, indented for an interface.
fn doc_comment(doc: &str) -> String {
    let words = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    // `*/` would end the comment early.
    format!("  /** {} */\n", words.replace("*/", "*\\/"))
}

/// `SyncStatusOptions`: `mount()`'s options, by JS key.
fn options_interface() -> String {
    let mut out = String::from(
        "/**\n * The options of `mount()`: every key also works in snake_case or kebab-case\n \
         * (`project_id`, `project-id`); a number option also takes its text.\n */\n\
         export interface SyncStatusOptions {\n",
    );
    for ((option, docs), ts) in OPTIONS.iter().zip(OPTION_DOCS).zip(ts_types()) {
        out.push_str(&doc_comment(docs.doc));
        out.push_str(&format!("  {}?: {ts} | null;\n", option.js_key()));
    }
    out.push_str("}\n\n");
    out
}

/// The element's interface: a property per option (but those HTMLElement
/// has), which writes the attribute and reads its text.
fn element_interface() -> String {
    let mut out = String::from(
        "/**\n * `<modelarts-sync-status>`. Every option is also a property that sets its\n \
         * attribute (`null` removes it) and reads the attribute's text (or `null`).\n */\n\
         export interface ModelartsSyncStatusElement extends HTMLElement {\n",
    );
    let typed: Vec<(String, String, &str)> = OPTIONS
        .iter()
        .zip(OPTION_DOCS)
        .zip(ts_types())
        .map(|((o, d), ts)| (o.js_key(), ts, d.doc))
        .collect();
    for (key, _) in properties() {
        let Some((_, ts, doc)) = typed.iter().find(|(k, _, _)| *k == key) else {
            continue;
        };
        out.push_str(&doc_comment(doc));
        out.push_str(&format!("  get {key}(): string | null;\n"));
        out.push_str(&format!("  set {key}(value: {ts} | null | undefined);\n"));
    }
    out.push_str("  /** Fetches the status at once. */\n  refresh(): void;\n}\n\n");
    out
}

const HEADER: &str = "\
// The widget's TypeScript declarations, made from its options table
// (core::config::OPTIONS) by core::config::typescript: a test fails when
// this file differs (`MSS_BLESS=1 cargo test` writes it).

";

const MOUNT: &str = "\
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

";

const GLOBALS: &str = "\
declare global {
  interface HTMLElementTagNameMap {
    'modelarts-sync-status': ModelartsSyncStatusElement;
  }
  interface HTMLElementEventMap {
    statuschange: CustomEvent<StatusChangeDetail>;
    syncrequested: CustomEvent<SyncRequestedDetail>;
  }
}
";
