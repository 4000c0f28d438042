//! Embedding: the `<modelarts-sync-status>` custom element and the JS API
//! (`mount(element, options)`), both rendering the card into an open shadow
//! root styled by one shared constructable stylesheet.

use std::any::Any;

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, CustomEvent, CustomEventInit, HtmlElement, ShadowRoot};

use crate::core::config::{attributes, properties, Config, ConfigError, ConfigErrors, RawOptions};
use crate::core::i18n::Asked;
use crate::core::lang::Lang;
use crate::core::policy::{loading_delay, Mount};
use crate::web::card::{configured_card, CardControl};
use crate::web::poller::{Hooks, StatusChange, StatusHook, SyncHook, SyncRequested};

/// The card's stylesheet (`style/card.css`, compacted by `build.rs`),
/// adopted by every shadow root.
pub const CARD_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/card.css"));

/// The custom element's tag name.
pub const ELEMENT_NAME: &str = "modelarts-sync-status";

#[wasm_bindgen(module = "/js/element.js")]
extern "C" {
    #[wasm_bindgen(js_name = defineElement)]
    fn define_element(
        name: &str,
        mount: &Closure<dyn Fn(HtmlElement, JsValue) -> JsValue>,
        attributes: Vec<String>,
        properties: Vec<String>,
    );
}

/// Registers `<modelarts-sync-status>` (once; later calls do nothing).
pub fn register_element() {
    let mount =
        Closure::<dyn Fn(HtmlElement, JsValue) -> JsValue>::new(|host, options| {
            match mount(host, options) {
                Ok(handle) => handle.into(),
                Err(err) => err.into(),
            }
        });
    // Each property and the attributes it stands for, space-separated (no
    // name has a space): "proxy proxy proxy-url".
    let properties = properties()
        .into_iter()
        .map(|(key, names)| format!("{key} {}", names.join(" ")))
        .collect();
    define_element(ELEMENT_NAME, &mount, attributes(), properties);
    // The element class keeps calling it for as long as the page lives.
    mount.forget();
}

thread_local! {
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new()
        .ok()
        .filter(|sheet| sheet.replace_sync(CARD_CSS).is_ok());
}

/// A mounted card, as the JS API returns it.
#[wasm_bindgen]
pub struct WidgetHandle {
    unmount: Option<Box<dyn Any>>,
    control: CardControl,
    container: HtmlElement,
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Fetches the status at once.
    pub fn refresh(&self) {
        self.control.refresh();
    }

    /// Removes the card and stops its timers and request; page events no
    /// longer reach it.
    pub fn unmount(&mut self) {
        // Dropping Leptos' handle runs the card's cleanups.
        self.unmount.take();
        self.container.remove();
    }
}

/// Mounts a card into `element`'s shadow root (opened if it has none).
///
/// `options` is an object of option names (camelCase, snake_case or
/// kebab-case, as in `projectId`, `project_id`, `project-id`) to strings or
/// numbers, read by serde-wasm-bindgen. Invalid options (a value of the
/// wrong type included) render the card's configuration error; only a host
/// that cannot have a shadow root is an error.
///
/// ```js
/// const card = mount(document.querySelector('#sync'), { projectId: 'p1', datasetId: 'd1' });
/// card.refresh();
/// card.unmount();
/// ```
#[wasm_bindgen]
pub fn mount(element: HtmlElement, options: JsValue) -> Result<WidgetHandle, JsError> {
    let config = options_from_js(options);
    let shadow = match element.shadow_root() {
        Some(root) => root,
        None => element
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .map_err(|_| {
                JsError::new(&format!(
                    "cannot attach a shadow root to <{}>: mount into a <div>",
                    element.tag_name().to_ascii_lowercase()
                ))
            })?,
    };
    // A card replacing another in place: the element's attributes changed.
    let mount = if shadow.has_child_nodes() {
        Mount::Replacing
    } else {
        Mount::First
    };
    let container: HtmlElement = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("div").ok())
        .and_then(|e| e.dyn_into().ok())
        .ok_or_else(|| JsError::new("no document to render into"))?;
    shadow
        .append_child(&container)
        .map_err(|_| JsError::new("cannot render into the shadow root"))?;

    // A card with a configuration error never has a status to announce.
    let (project_id, dataset_id) = match &config {
        Ok(c) => (c.project_id.clone(), c.dataset_id.clone()),
        Err(_) => Default::default(),
    };
    let hooks = Hooks {
        on_status: Some(status_event_hook(
            element.clone(),
            project_id.clone(),
            dataset_id.clone(),
        )),
        on_sync: Some(sync_event_hook(element, project_id, dataset_id)),
    };
    let control = CardControl::default();
    let card_control = control.clone();
    let handle = leptos::mount::mount_to(container.clone(), move || {
        configured_card(config, loading_delay(mount), hooks, Some(card_control))
    });
    // After the card has sent its first request, so that the request does
    // not wait for the stylesheet to be parsed. Still before the first paint.
    adopt_styles(&shadow);
    Ok(WidgetHandle {
        unmount: Some(Box::new(handle)),
        control,
        container,
    })
}

fn adopt_styles(shadow: &ShadowRoot) {
    SHEET.with(|sheet| {
        if let Some(sheet) = sheet {
            let sheets = shadow.adopted_style_sheets();
            if !sheets.includes(sheet, 0) {
                sheets.push(sheet);
                shadow.set_adopted_style_sheets(&sheets);
            }
        }
    });
}

/// Reads `{ projectId: "p1", interval: 5, ... }` (serde-wasm-bindgen) and
/// validates it; `undefined` or `null` is no options at all.
fn options_from_js(options: JsValue) -> Result<Config, ConfigErrors> {
    if options.is_undefined() || options.is_null() {
        return RawOptions::default().validate();
    }
    serde_wasm_bindgen::from_value::<RawOptions>(options)
        .map_err(|err| ConfigErrors::one(ConfigError::NotAnObject(err.to_string())))?
        .validate()
}

/// `statuschange`'s `detail`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusChangeDetail<'a> {
    status: &'a str,
    /// `null` for the first status.
    previous: Option<&'a str>,
    project_id: &'a str,
    dataset_id: &'a str,
}

/// `syncrequested`'s `detail`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncRequestedDetail<'a> {
    project_id: &'a str,
    dataset_id: &'a str,
    ok: bool,
    /// Why the sync did not start, in English (for the portal's logs);
    /// `null` when it started.
    error: Option<String>,
}

/// Dispatches `statuschange` (bubbles, composed) on the host element.
fn status_event_hook(host: HtmlElement, project_id: String, dataset_id: String) -> StatusHook {
    std::rc::Rc::new(move |change: StatusChange| {
        let detail = StatusChangeDetail {
            status: &change.status,
            previous: change.previous.as_deref(),
            project_id: &project_id,
            dataset_id: &dataset_id,
        };
        dispatch(&host, "statuschange", &detail);
    })
}

/// Dispatches `syncrequested` (bubbles, composed) on the host element.
fn sync_event_hook(host: HtmlElement, project_id: String, dataset_id: String) -> SyncHook {
    std::rc::Rc::new(move |requested: SyncRequested| {
        let detail = SyncRequestedDetail {
            project_id: &project_id,
            dataset_id: &dataset_id,
            ok: requested.result.is_ok(),
            error: requested
                .result
                .err()
                .map(|e| e.describe_for(Asked::Sync, Lang::En)),
        };
        dispatch(&host, "syncrequested", &detail);
    })
}

/// Dispatches a `CustomEvent` that bubbles out of the shadow root.
fn dispatch(host: &HtmlElement, name: &str, detail: &impl Serialize) {
    // `null`, not `undefined`, for absent values, as the README promises.
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    let Ok(detail) = detail.serialize(&serializer) else {
        return;
    };
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}
