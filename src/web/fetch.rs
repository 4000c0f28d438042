//! All of the widget's network I/O: one GET of the status URL, through the
//! browser's `fetch` itself.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestCache, RequestInit, Response};

use crate::core::model::SyncStatus;
use crate::core::response::{interpret, RequestError};
use crate::web::timer::Timer;

/// Sends the request at once (the browser has it before this returns) and
/// gives the interpreted answer as a future. The request is aborted after
/// `timeout`, or earlier through `controller` (when the card goes away).
///
/// Sending before the first poll lets the request travel while the card
/// renders, instead of after.
pub fn fetch_status(
    url: &str,
    timeout: Duration,
    controller: &AbortController,
) -> impl Future<Output = Result<SyncStatus, RequestError>> + 'static {
    let answer = fetch_answer(url, timeout, controller);
    async move {
        let (status, retry_after, body) = answer.await?;
        interpret(status, retry_after.as_deref(), &body)
    }
}

/// Status, `Retry-After` and body text of a GET sent at once, as
/// [`fetch_status`] sends it; or why there is none.
pub fn fetch_answer(
    url: &str,
    timeout: Duration,
    controller: &AbortController,
) -> impl Future<Output = Result<(u16, Option<String>, String), RequestError>> + 'static {
    let timed_out = Rc::new(Cell::new(false));
    let timer = {
        let timed_out = Rc::clone(&timed_out);
        let controller = controller.clone();
        Timer::new(move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    timer.set(timeout);
    let sent = send(url, controller);
    async move {
        let result = match sent {
            Ok(response) => receive(response).await,
            Err(detail) => Err(detail),
        };
        // Dropping the timer cancels it and frees its closure.
        drop(timer);
        result.map_err(|detail| {
            if timed_out.get() {
                RequestError::Timeout(timeout)
            } else {
                RequestError::Network(detail)
            }
        })
    }
}

/// Starts the GET.
fn send(url: &str, controller: &AbortController) -> Result<JsFuture, String> {
    let window = web_sys::window().ok_or_else(String::new)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&controller.signal()));
    let headers = Headers::new().map_err(network_detail)?;
    headers
        .set("Accept", "application/json")
        .map_err(network_detail)?;
    init.set_headers(&headers);
    Ok(JsFuture::from(window.fetch_with_str_and_init(url, &init)))
}

/// Status, `Retry-After` and body text; or why there is no answer.
async fn receive(response: JsFuture) -> Result<(u16, Option<String>, String), String> {
    let response: Response = response.await.map_err(network_detail)?.unchecked_into();
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let body = JsFuture::from(response.text().map_err(network_detail)?)
        .await
        .map_err(network_detail)?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), retry_after, body))
}

/// Browsers say little about failed fetches on purpose ("Failed to fetch");
/// keep it only when it adds something.
fn network_detail(err: JsValue) -> String {
    let text = err
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_default();
    if text.is_empty() || text.contains("Failed to fetch") {
        String::new()
    } else {
        text
    }
}
