//! All of the widget's network I/O: one GET of a status URL, through
//! gloo-net, aborted by its `AbortController` on timeout or unmount.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use gloo_net::http::{Headers, Request};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, RequestCache, RequestInit};

use crate::core::model::SyncStatus;
use crate::core::response::{interpret, RequestError};
use crate::web::timer::Timer;

/// The status, `Retry-After` and body text of an answer.
pub type Answer = (u16, Option<String>, String);

/// Sends the GET (it leaves when the future is first polled, in the
/// microtask after the card's mount) and gives the interpreted answer. The
/// request is aborted after `timeout`, or earlier through `controller`
/// (when the card goes away).
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

/// Status, `Retry-After` and body text of a GET, as [`fetch_status`] sends
/// it; or why there is none.
pub fn fetch_answer(
    url: &str,
    timeout: Duration,
    controller: &AbortController,
) -> impl Future<Output = Result<Answer, RequestError>> + 'static {
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
    let request = get(url, controller);
    async move {
        let result = match request {
            Ok(request) => receive(request).await,
            // A URL the browser cannot make a request of.
            Err(err) => Err(err
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_default()),
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

/// The GET of exactly `url`. (gloo-net's `RequestBuilder` would rebuild the
/// URL to add its own query, leaving a stray `&` after a query the URL
/// already has: a batch URL, or a proxy template with a query.)
fn get(url: &str, controller: &AbortController) -> Result<Request, JsValue> {
    let headers = Headers::new();
    headers.set("Accept", "application/json");
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&controller.signal()));
    init.set_headers(&headers.into_raw());
    web_sys::Request::new_with_str_and_init(url, &init).map(Request::from)
}

/// Status, `Retry-After` and body text; or why there is no answer.
async fn receive(request: Request) -> Result<Answer, String> {
    let response = request.send().await.map_err(network_detail)?;
    let retry_after = response.headers().get("retry-after");
    let body = response.text().await.map_err(network_detail)?;
    Ok((response.status(), retry_after, body))
}

/// Browsers say little about failed fetches on purpose ("Failed to fetch",
/// "NetworkError when attempting to fetch resource", "Load failed"): keep
/// the message only when it adds something.
fn network_detail(err: gloo_net::Error) -> String {
    let text = match err {
        gloo_net::Error::JsError(err) => err.message,
        other => other.to_string(),
    };
    let says_nothing = ["Failed to fetch", "NetworkError", "Load failed"]
        .iter()
        .any(|vague| text.contains(vague));
    if says_nothing {
        String::new()
    } else {
        text
    }
}
