//! All of the widget's network I/O: one GET of the status URL.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use gloo_net::http::Request;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, RequestCache};

use crate::core::model::SyncStatus;
use crate::core::response::{interpret, RequestError};

/// Fetches and interprets the status. The request is aborted after
/// `timeout`, or earlier through `controller` (when the card goes away).
pub async fn fetch_status(
    url: &str,
    timeout: Duration,
    controller: &AbortController,
) -> Result<SyncStatus, RequestError> {
    let timed_out = Rc::new(Cell::new(false));
    // Kept here and dropped when the request ends (a one-shot closure
    // handed to JS would leak whenever the timeout is cleared unfired).
    let on_timeout = {
        let timed_out = Rc::clone(&timed_out);
        let controller = controller.clone();
        Closure::<dyn FnMut()>::new(move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let window = web_sys::window();
    let timer = window.as_ref().and_then(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(
            on_timeout.as_ref().unchecked_ref(),
            timeout.as_millis().min(i32::MAX as u128) as i32,
        )
        .ok()
    });
    let result = send(url, controller).await;
    if let (Some(w), Some(id)) = (&window, timer) {
        w.clear_timeout_with_handle(id);
    }
    drop(on_timeout);
    match result {
        Ok((status, retry_after, body)) => interpret(status, retry_after.as_deref(), &body),
        Err(_) if timed_out.get() => Err(RequestError::Timeout(timeout)),
        Err(detail) => Err(RequestError::Network(detail)),
    }
}

/// Status, `Retry-After` and body text; or why there is no answer.
async fn send(
    url: &str,
    controller: &AbortController,
) -> Result<(u16, Option<String>, String), String> {
    let signal = controller.signal();
    let response = Request::get(url)
        .header("Accept", "application/json")
        .cache(RequestCache::NoStore)
        .abort_signal(Some(&signal))
        .send()
        .await
        .map_err(network_detail)?;
    let retry_after = response.headers().get("retry-after");
    let body = response.text().await.map_err(network_detail)?;
    Ok((response.status(), retry_after, body))
}

/// Browsers say little about failed fetches on purpose ("Failed to fetch");
/// keep it only when it adds something.
fn network_detail(err: gloo_net::Error) -> String {
    let text = match err {
        gloo_net::Error::JsError(js) => js.message,
        other => other.to_string(),
    };
    if text.is_empty() || text.contains("Failed to fetch") {
        String::new()
    } else {
        text
    }
}
