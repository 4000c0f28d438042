//! All of the widget's network I/O, through gloo-net: the GET of a status
//! URL, and the POST that starts a sync (`actions="sync"`), each aborted by
//! its `AbortController` on timeout or unmount.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gloo_net::http::{Headers, Request, Response};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, RequestCache, RequestCredentials, RequestInit};

use crate::core::config::{Config, Credentials};
use crate::core::model::SyncStatus;
use crate::core::response::{interpret, interpret_sync, RequestError};
use crate::web::timer::Timer;

/// The status, `Retry-After` and body text of an answer.
pub type RawAnswer = (u16, Option<String>, String);

/// How a card's requests are sent: what the options say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sending {
    /// Aborted, and reported as timed out, after this.
    pub timeout: Duration,
    /// Whether the viewer's cookies go along.
    pub credentials: Credentials,
}

impl Sending {
    pub fn of(config: &Config) -> Self {
        Self {
            timeout: config.timeout,
            credentials: config.credentials,
        }
    }
}

/// Sends the GET now, when called (a card calls it before its first
/// render), and gives the interpreted answer. The request is aborted after
/// `sending.timeout`, or earlier through `controller` (when the card goes away);
/// dropping the future unawaited drops the timeout, not the request: abort
/// it through `controller`.
pub fn fetch_status(
    url: &str,
    sending: Sending,
    controller: &AbortController,
) -> impl Future<Output = Result<SyncStatus, RequestError>> + 'static {
    let answer = fetch_answer(url, sending, controller);
    async move {
        let (status, retry_after, body) = answer.await?;
        interpret(status, retry_after.as_deref(), &body)
    }
}

/// Sends the POST that starts a sync now, and gives what its answer means;
/// aborted like [`fetch_status`]'s GET.
pub fn post_sync(
    url: &str,
    sending: Sending,
    controller: &AbortController,
) -> impl Future<Output = Result<(), RequestError>> + 'static {
    let answer = answer_of(Method::Post, url, sending, controller);
    async move {
        let (status, retry_after, body) = answer.await?;
        interpret_sync(status, retry_after.as_deref(), &body)
    }
}

/// Status, `Retry-After` and body text of a GET, as [`fetch_status`] sends
/// it; or why there is none.
pub fn fetch_answer(
    url: &str,
    sending: Sending,
    controller: &AbortController,
) -> impl Future<Output = Result<RawAnswer, RequestError>> + 'static {
    answer_of(Method::Get, url, sending, controller)
}

/// The two requests the widget makes.
#[derive(Clone, Copy)]
enum Method {
    /// A status.
    Get,
    /// Starting a sync.
    Post,
}

fn answer_of(
    method: Method,
    url: &str,
    Sending {
        timeout,
        credentials,
    }: Sending,
    controller: &AbortController,
) -> impl Future<Output = Result<RawAnswer, RequestError>> + 'static {
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
    let sent = request(method, url, credentials, controller).map(send_now);
    async move {
        let result = match sent {
            Ok(response) => receive(response).await,
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

/// The request of exactly `url`. (gloo-net's `RequestBuilder` would rebuild
/// the URL to add its own query, leaving a stray `&` after a query the URL
/// already has: a batch URL, or a proxy template with a query.)
fn request(
    method: Method,
    url: &str,
    credentials: Credentials,
    controller: &AbortController,
) -> Result<Request, JsValue> {
    let headers = Headers::new();
    headers.set("Accept", "application/json");
    let init = RequestInit::new();
    match method {
        Method::Get => init.set_method("GET"),
        Method::Post => {
            init.set_method("POST");
            // The proxy's guard against other sites: a form cannot send
            // it, and another origin's script must pass a CORS preflight.
            headers.set("X-Requested-With", "modelarts-sync-status");
        }
    }
    init.set_cache(RequestCache::NoStore);
    init.set_credentials(match credentials {
        Credentials::Omit => RequestCredentials::Omit,
        Credentials::SameOrigin => RequestCredentials::SameOrigin,
        Credentials::Include => RequestCredentials::Include,
    });
    init.set_signal(Some(&controller.signal()));
    init.set_headers(&headers.into_raw());
    web_sys::Request::new_with_str_and_init(url, &init).map(Request::from)
}

/// gloo-net's `send()`, with the browser's `fetch` called now: an async
/// function runs nothing until its first poll, which `spawn_local` would
/// make only after the card's first render. So it is polled once right
/// away, with a no-op waker; `JsFuture` keeps the waker of its latest poll,
/// so the task that awaits the returned future registers the real one.
/// (The e2e test "the status request leaves before the card first renders"
/// notices if a gloo-net release stops calling `fetch` on the first poll.)
fn send_now(request: Request) -> impl Future<Output = Result<Response, gloo_net::Error>> {
    let mut sending = Box::pin(request.send());
    let first = sending
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    async move {
        match first {
            Poll::Ready(result) => result,
            Poll::Pending => sending.await,
        }
    }
}

/// Status, `Retry-After` and body text; or why there is no answer.
async fn receive(
    response: impl Future<Output = Result<Response, gloo_net::Error>>,
) -> Result<RawAnswer, String> {
    let response = response.await.map_err(network_detail)?;
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
