//! Component tests in Chromium, Firefox and WebKit (`cargo xtask test` runs them with
//! `MSS_MOCK_URL` pointing at a running mock backend).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use modelarts_sync_status::core::config::{RawOptions, SyncStatusOptions};
use modelarts_sync_status::web::{StatusChange, SyncStatusCard};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod browser;
use browser::sleep;

wasm_bindgen_test_configure!(run_in_browser);

const MOCK: Option<&str> = option_env!("MSS_MOCK_URL");

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts a card into a fresh element; returns the element and the handle
/// that unmounts it when dropped.
fn mount(
    pairs: &[(&str, &str)],
) -> (
    web_sys::HtmlElement,
    leptos::mount::UnmountHandle<impl Mountable>,
) {
    let host: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let options = RawOptions::from_pairs(pairs.iter().copied())
        .options()
        .expect("valid options");
    let handle =
        leptos::mount::mount_to(host.clone(), move || view! { <SyncStatusCard options /> });
    (host, handle)
}

fn card(host: &web_sys::HtmlElement) -> web_sys::Element {
    host.query_selector(".mss-card").unwrap().expect("a card")
}

fn field(host: &web_sys::HtmlElement, name: &str) -> Option<String> {
    host.query_selector(&format!("[data-field=\"{name}\"]"))
        .unwrap()
        .map(|e| e.text_content().unwrap_or_default())
}

async fn wait_for_state(host: &web_sys::HtmlElement, state: &str) {
    for _ in 0..100 {
        if card(host).get_attribute("data-state").as_deref() == Some(state) {
            return;
        }
        sleep(50).await;
    }
    panic!(
        "state {state} never came; card: {}",
        card(host).outer_html()
    );
}

fn mock_url() -> &'static str {
    MOCK.expect("MSS_MOCK_URL must name a running mock backend (cargo xtask test sets it)")
}

#[wasm_bindgen_test]
fn config_errors_are_listed_and_nothing_else_renders() {
    let host: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let options = SyncStatusOptions::default()
        .dataset_id("d")
        .interval(std::time::Duration::from_millis(500));
    let _h = leptos::mount::mount_to(host.clone(), move || view! { <SyncStatusCard options /> });
    let card = card(&host);
    assert_eq!(
        card.get_attribute("data-state").as_deref(),
        Some("config-error")
    );
    let text = field(&host, "config_error").unwrap();
    assert!(text.contains("project_id is required."), "{text}");
    assert!(
        text.contains("interval must be at least 1 second (got 0.5)."),
        "{text}"
    );
    assert!(host
        .query_selector("button[data-action=refresh]")
        .unwrap()
        .is_none());
}

#[wasm_bindgen_test]
async fn loading_then_status_from_the_mock() {
    let (host, _h) = mount(&[
        ("proxy", mock_url()),
        ("project_id", "p"),
        ("dataset_id", "status-completed"),
        ("lang", "en"),
    ]);
    // The live region exists before any answer (in the root, hidden until
    // the answer or `LOADING_DELAY`) and stays: its changes are announced.
    let live = host
        .query_selector("[role=status]")
        .unwrap()
        .expect("live region");
    assert_eq!(
        card(&host).get_attribute("data-state").as_deref(),
        Some("loading")
    );
    wait_for_state(&host, "ok").await;
    assert!(live.is_connected());
    assert_eq!(
        card(&host).get_attribute("data-status").as_deref(),
        Some("COMPLETED")
    );
    assert_eq!(field(&host, "status").as_deref(), Some("Completed"));
    assert_eq!(
        field(&host, "total_sample_count").as_deref(),
        Some("12,480")
    );
    assert_eq!(
        field(&host, "duration_time").as_deref(),
        Some("12 min 34 s")
    );
}

#[wasm_bindgen_test]
async fn duration_unit_seconds_changes_the_reading() {
    let (host, _h) = mount(&[
        ("proxy", mock_url()),
        ("project_id", "p"),
        ("dataset_id", "status-completed"),
        ("duration_unit", "s"),
        ("lang", "en"),
    ]);
    wait_for_state(&host, "ok").await;
    // 754000 read as seconds: 8 d 17 h 26 min 40 s.
    assert_eq!(
        field(&host, "duration_time").as_deref(),
        Some("8 d 17 h 26 min 40 s")
    );
}

#[wasm_bindgen_test]
async fn an_apig_error_body_is_explained() {
    let (host, _h) = mount(&[
        ("proxy", mock_url()),
        ("project_id", "p"),
        ("dataset_id", "http-401"),
        ("lang", "en"),
    ]);
    wait_for_state(&host, "error").await;
    let text = field(&host, "request_error").unwrap();
    assert!(
        text.starts_with("HTTP 401 Unauthorized: APIG.0301: "),
        "{text}"
    );
    let retry = field(&host, "retry_in").unwrap_or_default();
    assert!(retry.starts_with("retrying in "), "{retry}");
}

/// How many status requests the mock has had for a dataset.
async fn requests_for(dataset: &str) -> u64 {
    let window = web_sys::window().unwrap();
    let url = format!("{}/__mock/requests", mock_url());
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url))
            .await
            .unwrap()
            .unchecked_into();
    let body = wasm_bindgen_futures::JsFuture::from(response.json().unwrap())
        .await
        .unwrap();
    let get = |value: &wasm_bindgen::JsValue, key: &str| {
        js_sys::Reflect::get(value, &key.into()).unwrap_or_default()
    };
    get(&get(&body, "requests"), dataset)
        .as_f64()
        .map_or(0, |n| n as u64)
}

#[wasm_bindgen_test]
async fn unmounting_stops_requests() {
    let dataset = format!("wasm-unmount-{}", js_sys::Date::now());
    let (host, handle) = mount(&[
        ("proxy", mock_url()),
        ("project_id", "p"),
        ("dataset_id", &dataset),
        ("interval", "1"),
    ]);
    wait_for_state(&host, "ok").await;
    sleep(1200).await;
    let before = requests_for(&dataset).await;
    assert!(
        before >= 2,
        "the card should poll every second, saw {before}"
    );
    drop(handle);
    assert!(host.query_selector(".mss-card").unwrap().is_none());
    sleep(2500).await;
    assert_eq!(
        requests_for(&dataset).await,
        before,
        "requests after unmount"
    );
}

/// The URLs of the batch requests this page has sent (Resource Timing).
fn batch_urls() -> Vec<String> {
    let performance: wasm_bindgen::JsValue =
        web_sys::window().unwrap().performance().unwrap().into();
    let get_entries: js_sys::Function =
        js_sys::Reflect::get(&performance, &"getEntriesByType".into())
            .unwrap()
            .unchecked_into();
    let entries: js_sys::Array = get_entries
        .call1(&performance, &"resource".into())
        .unwrap()
        .unchecked_into();
    entries
        .iter()
        .filter_map(|e| js_sys::Reflect::get(&e, &"name".into()).ok()?.as_string())
        .filter(|name| name.contains("dataset_ids="))
        .collect()
}

#[wasm_bindgen_test]
async fn batch_cards_share_a_request_and_stop_alone() {
    let stamp = js_sys::Date::now();
    let ids: Vec<String> = (0..3).map(|i| format!("done-wasm-{stamp}-{i}")).collect();
    let before = batch_urls().len();
    let mut cards: Vec<_> = ids
        .iter()
        .map(|id| {
            mount(&[
                ("proxy", mock_url()),
                ("project_id", "p"),
                ("dataset_id", id),
                ("requests", "batch"),
                ("interval", "1"),
                ("idle_interval", "1"),
            ])
        })
        .collect();
    for ((host, _), id) in cards.iter().zip(&ids) {
        wait_for_state(host, "ok").await;
        assert_eq!(field(host, "dataset_id").as_deref(), Some(id.as_str()));
    }
    // Mounted in one task: one request for the three.
    let sent = batch_urls();
    assert_eq!(sent.len(), before + 1, "{sent:?}");
    assert!(sent[before].ends_with(&ids.join(",")), "{}", sent[before]);
    // A card that goes away stops asking; the others go on.
    let (gone, handle) = cards.remove(0);
    drop(handle);
    assert!(gone.query_selector(".mss-card").unwrap().is_none());
    // A batch already queued or on its way may still name it: let it land.
    sleep(200).await;
    let (left, still) = (requests_for(&ids[0]).await, requests_for(&ids[1]).await);
    sleep(2500).await;
    assert_eq!(requests_for(&ids[0]).await, left, "requests after unmount");
    assert!(requests_for(&ids[1]).await >= still + 2);
}

/// The JS API's options as a page passes them: a plain object, read by
/// serde-wasm-bindgen.
fn js_object(json: &str) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn shadow_field(host: &web_sys::HtmlElement, name: &str) -> Option<String> {
    host.shadow_root()
        .expect("a shadow root")
        .query_selector(&format!("[data-field=\"{name}\"]"))
        .unwrap()
        .map(|e| e.text_content().unwrap_or_default())
}

#[wasm_bindgen_test]
fn js_options_of_the_wrong_type_are_a_config_error() {
    let host: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let mut handle = modelarts_sync_status::web::mount(
        host.clone(),
        js_object(r#"{"projectId": "p", "datasetId": 7, "interval": true, "timeout": 2.5}"#),
    )
    .unwrap();
    let text = shadow_field(&host, "config_error").unwrap();
    assert_eq!(
        text,
        "dataset_id must be text, not a number.interval must be a number of seconds, not a boolean."
    );
    handle.unmount();
    // Not an object at all: a config error too, never a panic.
    let mut handle =
        modelarts_sync_status::web::mount(host.clone(), wasm_bindgen::JsValue::from_str("p1"))
            .unwrap();
    let text = shadow_field(&host, "config_error").unwrap();
    assert!(text.starts_with("the options must be an object"), "{text}");
    handle.unmount();
}

#[wasm_bindgen_test]
async fn statuschange_detail_is_a_plain_object() {
    let host: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let details = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let listener = {
        let details = details.clone();
        wasm_bindgen::closure::Closure::<dyn Fn(web_sys::CustomEvent)>::new(
            move |e: web_sys::CustomEvent| details.borrow_mut().push(e.detail()),
        )
    };
    host.add_event_listener_with_callback("statuschange", listener.as_ref().unchecked_ref())
        .unwrap();
    let options = format!(
        r#"{{"proxy": "{}", "projectId": "p", "datasetId": "status-running", "interval": 60}}"#,
        mock_url()
    );
    let mut handle = modelarts_sync_status::web::mount(host.clone(), js_object(&options)).unwrap();
    for _ in 0..100 {
        if !details.borrow().is_empty() {
            break;
        }
        sleep(50).await;
    }
    handle.unmount();
    let details = details.borrow();
    assert_eq!(details.len(), 1);
    let json = js_sys::JSON::stringify(&details[0]).unwrap();
    assert_eq!(
        String::from(json),
        r#"{"status":"RUNNING","previous":null,"projectId":"p","datasetId":"status-running"}"#
    );
}

#[wasm_bindgen_test]
async fn a_leptos_app_switches_datasets_and_refreshes() {
    let host: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let dataset = RwSignal::new("status-running".to_owned());
    let refresh = Trigger::new();
    let changes = RwSignal::new(Vec::<StatusChange>::new());
    let options = Signal::derive(move || {
        SyncStatusOptions::default()
            .proxy(mock_url())
            .project_id("p")
            .dataset_id(dataset.get())
            .interval(std::time::Duration::from_secs(60))
    });
    let on_change = Callback::new(move |change| changes.update(|c| c.push(change)));
    let _handle = leptos::mount::mount_to(host.clone(), move || {
        view! { <SyncStatusCard options on_status_change=on_change refresh /> }
    });
    wait_for_state(&host, "ok").await;
    assert_eq!(
        card(&host).get_attribute("data-status").as_deref(),
        Some("RUNNING")
    );
    // Another dataset: the card is replaced, without remounting by hand.
    dataset.set("status-failed".to_owned());
    for _ in 0..100 {
        if card(&host).get_attribute("data-status").as_deref() == Some("FAILED") {
            break;
        }
        sleep(50).await;
    }
    assert_eq!(
        card(&host).get_attribute("data-status").as_deref(),
        Some("FAILED")
    );
    assert_eq!(host.child_element_count(), 1, "{}", host.inner_html());
    assert_eq!(
        field(&host, "error_code").as_deref(),
        Some("ModelArts.4370")
    );
    let statuses: Vec<_> = changes
        .get_untracked()
        .into_iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, ["RUNNING", "FAILED"]);
    // The trigger fetches at once: the mock counts it.
    let before = requests_for("status-failed").await;
    refresh.notify();
    sleep(500).await;
    assert_eq!(requests_for("status-failed").await, before + 1);
}
