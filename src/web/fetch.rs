//! All of the widget's network I/O: one GET of the status URL.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use gloo_net::http::Request;
use web_sys::{AbortController, RequestCache};

use crate::core::model::SyncStatus;
use crate::core::response::{interpret, RequestError};
use crate::web::timer::Timer;

/// Fetches and interprets the status. The request is aborted after
/// `timeout`, or earlier through `controller` (when the card goes away).
pub async fn fetch_status(
    url: &str,
    timeout: Duration,
    controller: &AbortController,
) -> Result<SyncStatus, RequestError> {
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
    let result = send(url, controller).await;
    // Dropping the timer cancels it and frees its closure.
    drop(timer);
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
