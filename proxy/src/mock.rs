//! The mock ModelArts: simulated sync tasks, answered exactly as the real
//! status API would, plus reserved dataset IDs for every other case.
//!
//! Every dataset ID not reserved below gets a task that starts when it is
//! first asked for and moves QUEUING → STARTING → RUNNING (counts growing) →
//! COMPLETED over one cycle (75 s by default), then starts again.
//!
//! With `--allow-sync`, `POST .../sync-data` ([`Mock::trigger`]) answers as
//! the real API: 200 without a body, after which the dataset's task starts
//! again at QUEUING (a reserved ID showing a fixed answer, `done-…` ones
//! included, then goes QUEUING → … → COMPLETED once and stays COMPLETED);
//! the reserved failing IDs answer the POST with their error, and
//! `text-dataset` with the error a text dataset gets (simulated).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// A reserved dataset ID, what it shows, for the README and `--help`.
pub const RESERVED: &[(&str, &str)] = &[
    ("status-queuing", "200, QUEUING"),
    ("status-starting", "200, STARTING"),
    ("status-running", "200, RUNNING with counts"),
    ("status-completed", "200, COMPLETED with counts and times"),
    ("status-failed", "200, FAILED with error_code and error_msg"),
    ("status-not-exist", "200, NOT_EXIST"),
    ("status-paused", "200, an undocumented status (PAUSED)"),
    (
        "minimal",
        "200, the official example: status and dataset_id only",
    ),
    ("huge-counts", "200, RUNNING with counts above 2^53"),
    (
        "failed-html",
        "200, FAILED with HTML and script in error_msg",
    ),
    (
        "text-dataset",
        "200, NOT_EXIST; its sync POST: 400 ModelArts.4371, text datasets cannot be synchronized (simulated)",
    ),
    ("http-400", "400, ModelArts.4352 dataset not found"),
    ("http-401", "401, APIG.0301 token expired"),
    ("http-403", "403, forbidden error body"),
    ("http-404", "404, APIG.0101 API does not exist"),
    ("http-429", "429 with Retry-After: 30"),
    ("http-502", "502 with an HTML body, as a gateway sends"),
    ("http-503", "503 with Retry-After: 20 and an HTML body"),
    ("not-json", "200 whose body is not JSON"),
    (
        "slow",
        "answers after 30 s (longer than the default timeout)",
    ),
    ("flaky", "alternates between a RUNNING answer and a 503"),
    (
        "goes-down…",
        "any ID starting so: RUNNING on its first request, 503 on every later one",
    ),
    (
        "done-…",
        "any ID starting so: COMPLETED, with counts and times of its own that never change",
    ),
];

/// Shared mock state: when each task started, and request counters.
pub struct Mock {
    cycle: Duration,
    /// Epoch ms when the mock started: the fixed tasks' times are relative
    /// to it, so that their answers do not change from one request to the
    /// next (as a real task's creation time does not).
    epoch_ms: i64,
    /// When each task was first asked for: monotonic, and epoch ms.
    started: Mutex<HashMap<(String, String), (Instant, i64)>>,
    /// When a reserved dataset's sync was started (`POST`): its task then
    /// runs once from there.
    restarted: Mutex<HashMap<(String, String), (Instant, i64)>>,
    requests: Mutex<HashMap<String, u64>>,
    triggers: Mutex<HashMap<String, u64>>,
}

/// What a `POST .../sync-data` does to a dataset ID.
enum OnTrigger {
    /// The task starts again (unreserved IDs: their cycle restarts).
    Restart,
    /// A reserved ID showing a fixed answer: a task runs once from now,
    /// then the fixed answer is gone (the sync replaced it).
    Replace,
    /// 200, and the GET keeps misbehaving as it did (IDs made to test the
    /// widget against a broken status API).
    Keep,
    /// The API's error.
    Fail,
}

fn on_trigger(dataset_id: &str) -> OnTrigger {
    match dataset_id {
        "text-dataset" => OnTrigger::Fail,
        id if id.starts_with("http-") && RESERVED.iter().any(|(r, _)| *r == id) => OnTrigger::Fail,
        "not-json" | "slow" | "flaky" => OnTrigger::Keep,
        id if id.starts_with("goes-down") || id.starts_with("turns-odd") => OnTrigger::Keep,
        id if id.starts_with("done-") || RESERVED.iter().any(|(r, _)| *r == id) => {
            OnTrigger::Replace
        }
        _ => OnTrigger::Restart,
    }
}

/// One phase boundary, as a fraction of the cycle.
const QUEUING_END: f64 = 0.08;
const STARTING_END: f64 = 0.16;
const RUNNING_END: f64 = 0.72;

impl Mock {
    pub fn new(cycle: Duration) -> Self {
        Self {
            cycle: cycle.max(Duration::from_secs(1)),
            epoch_ms: epoch_ms(SystemTime::now()),
            started: Mutex::new(HashMap::new()),
            restarted: Mutex::new(HashMap::new()),
            requests: Mutex::new(HashMap::new()),
            triggers: Mutex::new(HashMap::new()),
        }
    }

    /// Sync POSTs received per dataset ID since start (or the last reset).
    pub fn trigger_counts(&self) -> HashMap<String, u64> {
        self.triggers.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Answers one `POST .../sync-data`, as the real API would: 200 without
    /// a body (and the dataset's task starts again), or the API's error.
    pub async fn trigger(&self, project_id: &str, dataset_id: &str) -> Response {
        if let Ok(mut triggers) = self.triggers.lock() {
            *triggers.entry(dataset_id.to_owned()).or_default() += 1;
        }
        let key = (project_id.to_owned(), dataset_id.to_owned());
        let now = (Instant::now(), epoch_ms(SystemTime::now()));
        match on_trigger(dataset_id) {
            OnTrigger::Fail => return failure(dataset_id).unwrap_or_else(text_dataset_error),
            OnTrigger::Keep if dataset_id == "slow" => {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            OnTrigger::Keep => {}
            OnTrigger::Restart => {
                self.started
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, now);
            }
            OnTrigger::Replace => {
                self.restarted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, now);
            }
        }
        accepted()
    }

    /// Requests received per dataset ID since start (or the last reset).
    pub fn request_counts(&self) -> HashMap<String, u64> {
        self.requests.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn reset(&self) {
        if let Ok(mut m) = self.requests.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.started.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.restarted.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.triggers.lock() {
            m.clear();
        }
    }

    /// Answers one status request.
    pub async fn answer(&self, project_id: &str, dataset_id: &str) -> Response {
        let count = {
            let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            let n = requests.entry(dataset_id.to_owned()).or_default();
            *n += 1;
            *n
        };
        let seed = seed(dataset_id);
        let restarted = self
            .restarted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(project_id.to_owned(), dataset_id.to_owned()))
            .copied();
        if let Some((at, at_ms)) = restarted {
            return ok(self.task(dataset_id, seed, at, at_ms, false));
        }
        if let Some(response) = failure(dataset_id) {
            return response;
        }
        if let Some(body) = self.fixed_task(dataset_id, seed) {
            return ok(body);
        }
        match self.odd_answer(dataset_id, seed, count).await {
            Some(response) => response,
            None => ok(self.simulate(project_id, dataset_id, seed)),
        }
    }

    /// A task of `status` with counts and times: what the fixed answers
    /// start from.
    fn fixed(&self, status: &str, dataset_id: &str, seed: u64) -> Value {
        json!({
            "status": status,
            "dataset_id": dataset_id,
            "task_id": format!("task{:012x}", seed & 0xffff_ffff_ffff),
            "total_sample_count": 12_480,
            "add_sample_count": 1_250,
            "deleted_sample_count": 32,
            "create_time": self.epoch_ms - 754_000,
            "duration_time": 754_000,
        })
    }

    /// The reserved IDs that always show the same task (`status-*`,
    /// `minimal`, `failed-html`, `text-dataset`, `done-*`).
    fn fixed_task(&self, dataset_id: &str, seed: u64) -> Option<Value> {
        let fixed = |status: &str| self.fixed(status, dataset_id, seed);
        Some(match dataset_id {
            "status-queuing" => json!({"status": "QUEUING", "dataset_id": dataset_id,
                "task_id": "taskQueued01", "create_time": self.epoch_ms - 3_000}),
            "status-starting" => json!({"status": "STARTING", "dataset_id": dataset_id,
                "task_id": "taskStarting01", "create_time": self.epoch_ms - 9_000, "duration_time": 2_000}),
            "status-running" => fixed("RUNNING"),
            "status-completed" => fixed("COMPLETED"),
            "status-failed" => {
                let mut body = fixed("FAILED");
                body["error_code"] = json!("ModelArts.4370");
                body["error_msg"] =
                    json!("Failed to synchronize the dataset: the OBS path of the dataset does not exist.");
                body
            }
            "status-not-exist" | "text-dataset" => {
                json!({"status": "NOT_EXIST", "dataset_id": dataset_id})
            }
            "status-paused" => fixed("PAUSED"),
            "minimal" => json!({"status": "COMPLETED", "dataset_id": "gfghHSokody6AJigS5A"}),
            "failed-html" => {
                let mut body = fixed("FAILED");
                body["error_code"] = json!("ModelArts.4370");
                body["error_msg"] = json!(
                    "<img src=x onerror=\"window.__mssInjected=1\"><script>window.__mssInjected=2</script><b>bold</b>"
                );
                body
            }
            id if id.starts_with("done-") => {
                let mut body = fixed("COMPLETED");
                body["total_sample_count"] = json!(5_000 + seed % 45_000);
                body["add_sample_count"] = json!((seed >> 16) % 8_000);
                body["deleted_sample_count"] = json!((seed >> 32) % 200);
                body["duration_time"] = json!(60_000 + (seed >> 40) % 3_600_000);
                body
            }
            _ => return None,
        })
    }

    /// The reserved IDs whose answers are odd or change with `count`, the
    /// requests for the dataset so far (`huge-counts`, `not-json`, `slow`,
    /// `flaky`, `goes-down*`, `turns-odd*`).
    async fn odd_answer(&self, dataset_id: &str, seed: u64, count: u64) -> Option<Response> {
        let running = || ok(self.fixed("RUNNING", dataset_id, seed));
        let unavailable = || {
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                "503 Service Temporarily Unavailable",
            )
        };
        Some(match dataset_id {
            "huge-counts" => {
                // Written by hand: serde_json would keep them exact too, but
                // this is the literal text a client must not round.
                let body = format!(
                    r#"{{"status":"RUNNING","dataset_id":"{dataset_id}","total_sample_count":9007199254740993,"add_sample_count":9223372036854775807,"deleted_sample_count":18014398509481985}}"#
                );
                json_text(StatusCode::OK, body)
            }
            "not-json" => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "OK: sync status follows\nstatus=RUNNING",
            )
                .into_response(),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                running()
            }
            "flaky" if count.is_multiple_of(2) => unavailable(),
            "flaky" => running(),
            id if id.starts_with("goes-down") && count > 1 => unavailable(),
            id if id.starts_with("goes-down") => running(),
            // A server that changed its types: members of the wrong JSON type.
            id if id.starts_with("turns-odd") && count > 1 => {
                ok(json!({"status": 5, "total_sample_count": "many", "dataset_id": id}))
            }
            id if id.starts_with("turns-odd") => running(),
            _ => return None,
        })
    }

    /// The lifecycle task for an unreserved dataset ID.
    fn simulate(&self, project_id: &str, dataset_id: &str, seed: u64) -> Value {
        let (first_seen, first_seen_ms) = {
            let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
            *started
                .entry((project_id.to_owned(), dataset_id.to_owned()))
                .or_insert_with(|| (Instant::now(), epoch_ms(SystemTime::now())))
        };
        self.task(dataset_id, seed, first_seen, first_seen_ms, true)
    }

    /// A task started at `first_seen`: one cycle after another (`repeat`), or
    /// one cycle, then COMPLETED for good.
    fn task(
        &self,
        dataset_id: &str,
        seed: u64,
        first_seen: Instant,
        first_seen_ms: i64,
        repeat: bool,
    ) -> Value {
        let elapsed = first_seen.elapsed();
        let cycle_ms = self.cycle.as_millis().max(1);
        let (round, into) = if !repeat && elapsed.as_millis() >= cycle_ms {
            (0, 1.0)
        } else {
            (
                elapsed.as_millis() / cycle_ms,
                (elapsed.as_millis() % cycle_ms) as f64 / cycle_ms as f64,
            )
        };
        let cycle_secs = self.cycle.as_secs_f64();
        // A task's creation time does not move between requests.
        let created = first_seen_ms + (round * cycle_ms) as i64;
        let base = 5_000 + (seed % 45_000) as i64;
        let target_add = 2_000 + (seed >> 16) as i64 % 8_000;
        let target_del = target_add / 40;
        let mut body = json!({
            "dataset_id": dataset_id,
            "task_id": format!("task{:08x}{:04}", seed as u32, round % 10_000),
            "create_time": created,
        });
        let (status, progress) = if into < QUEUING_END {
            ("QUEUING", None)
        } else if into < STARTING_END {
            ("STARTING", Some(0.0))
        } else if into < RUNNING_END {
            (
                "RUNNING",
                Some((into - STARTING_END) / (RUNNING_END - STARTING_END)),
            )
        } else {
            ("COMPLETED", Some(1.0))
        };
        body["status"] = json!(status);
        if let Some(p) = progress {
            let added = (target_add as f64 * p) as i64;
            let deleted = (target_del as f64 * p) as i64;
            body["add_sample_count"] = json!(added);
            body["deleted_sample_count"] = json!(deleted);
            body["total_sample_count"] = json!(base + added - deleted);
            let run_ms =
                ((into.min(RUNNING_END) - QUEUING_END).max(0.0) * cycle_secs * 1000.0) as i64;
            body["duration_time"] = json!(run_ms);
        }
        body
    }
}

/// The answer of a reserved failing ID, to the GET and to the sync POST
/// alike (the gateway's and the service's errors do not depend on the
/// method), or `None` for any other ID.
fn failure(dataset_id: &str) -> Option<Response> {
    Some(match dataset_id {
        "http-400" => error(
            StatusCode::BAD_REQUEST,
            "ModelArts.4352",
            "Dataset not found.",
        ),
        "http-401" => error(
            StatusCode::UNAUTHORIZED,
            "APIG.0301",
            "Incorrect IAM authentication information: the token has expired.",
        ),
        "http-403" => error(
            StatusCode::FORBIDDEN,
            "ModelArts.0203",
            "Forbidden: these credentials may not read this project.",
        ),
        "http-404" => error(
            StatusCode::NOT_FOUND,
            "APIG.0101",
            "The API does not exist or has not been published in the environment.",
        ),
        "http-429" => with_retry_after(
            error(
                StatusCode::TOO_MANY_REQUESTS,
                "APIG.0308",
                "The throttling threshold has been reached.",
            ),
            30,
        ),
        "http-502" => html(StatusCode::BAD_GATEWAY, "502 Bad Gateway"),
        "http-503" => with_retry_after(
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                "503 Service Temporarily Unavailable",
            ),
            20,
        ),
        _ => return None,
    })
}

/// The answer to a sync POST the API accepted: 200, no body.
fn accepted() -> Response {
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]).into_response()
}

/// The error a text dataset's sync POST gets. Simulated: the code and text
/// are not from a documented answer (the documentation only says text
/// datasets do not support it), but have the API's error shape.
fn text_dataset_error() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "ModelArts.4371",
        "Synchronizing the data source is not supported for text datasets.",
    )
}

fn epoch_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn seed(dataset_id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    dataset_id.hash(&mut h);
    h.finish()
}

fn ok(body: Value) -> Response {
    json_text(StatusCode::OK, body.to_string())
}

fn error(status: StatusCode, code: &str, msg: &str) -> Response {
    json_text(
        status,
        json!({"error_code": code, "error_msg": msg}).to_string(),
    )
}

fn json_text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn html(status: StatusCode, title: &str) -> Response {
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
}

fn with_retry_after(mut response: Response, secs: u32) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(r: Response) -> (StatusCode, Value) {
        let status = r.status();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn lifecycle_moves_through_every_active_status() {
        let mock = Mock::new(Duration::from_secs(1));
        let mut seen = Vec::new();
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(1100) {
            let (_, body) = body_of(mock.answer("p", "anything").await).await;
            let status = body["status"].as_str().unwrap().to_owned();
            if seen.last() != Some(&status) {
                seen.push(status);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(&seen[..4], ["QUEUING", "STARTING", "RUNNING", "COMPLETED"]);
        assert_eq!(seen.get(4).map(String::as_str), Some("QUEUING"), "{seen:?}");
    }

    #[tokio::test]
    async fn reserved_ids_answer_as_documented() {
        let mock = Mock::new(Duration::from_secs(75));
        let (status, body) = body_of(mock.answer("p", "http-401").await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error_code"], "APIG.0301");
        let (status, body) = body_of(mock.answer("p", "status-failed").await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["status"], "FAILED");
        let r = mock.answer("p", "http-503").await;
        assert_eq!(r.headers()[header::RETRY_AFTER], "20");
        let (_, body) = body_of(mock.answer("p", "huge-counts").await).await;
        assert_eq!(
            body["total_sample_count"].as_i64(),
            Some(9_007_199_254_740_993)
        );
        assert_eq!(mock.request_counts()["http-401"], 1);
        let (_, first) = body_of(mock.answer("p", "turns-odd-1").await).await;
        let (_, later) = body_of(mock.answer("p", "turns-odd-1").await).await;
        assert_eq!(first["status"], "RUNNING");
        assert_eq!(
            (&later["status"], &later["total_sample_count"]),
            (&json!(5), &json!("many"))
        );
        // A finished task of its own, the same on every request.
        let (_, first) = body_of(mock.answer("p", "done-42").await).await;
        let (_, again) = body_of(mock.answer("p", "done-42").await).await;
        let (_, other) = body_of(mock.answer("p", "done-43").await).await;
        assert_eq!(first["status"], "COMPLETED");
        assert_eq!(first["dataset_id"], "done-42");
        assert_eq!(first, again);
        assert_ne!(first["total_sample_count"], other["total_sample_count"]);
    }

    async fn status_of(mock: &Mock, id: &str) -> String {
        let (_, body) = body_of(mock.answer("p", id).await).await;
        body["status"].as_str().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn a_sync_restarts_a_finished_dataset_at_queuing() {
        let mock = Mock::new(Duration::from_secs(1));
        let (_, before) = body_of(mock.answer("p", "done-42").await).await;
        assert_eq!(before["status"], "COMPLETED");
        let r = mock.trigger("p", "done-42").await;
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        assert!(bytes.is_empty(), "the API answers without a body");
        let (_, first) = body_of(mock.answer("p", "done-42").await).await;
        assert_eq!(first["status"], "QUEUING");
        assert_eq!(first["dataset_id"], "done-42");
        assert_ne!(first["task_id"], before["task_id"]);
        // Then it moves on, and ends COMPLETED for good (no new cycle).
        let mut seen = vec!["QUEUING".to_owned()];
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(1600) {
            let status = status_of(&mock, "done-42").await;
            if seen.last() != Some(&status) {
                seen.push(status);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(seen, ["QUEUING", "STARTING", "RUNNING", "COMPLETED"]);
        // Per project: the same ID in another project is untouched.
        let (_, other) = body_of(mock.answer("q", "done-42").await).await;
        assert_eq!(other, before);
        // A fixed reserved answer is replaced the same way; an unreserved
        // dataset's cycle starts again.
        mock.trigger("p", "status-failed").await;
        assert_eq!(status_of(&mock, "status-failed").await, "QUEUING");
        assert_eq!(mock.trigger_counts()["done-42"], 1);
        mock.reset();
        assert_eq!(status_of(&mock, "done-42").await, "COMPLETED");
        assert!(mock.trigger_counts().is_empty());
    }

    #[tokio::test]
    async fn a_sync_restarts_an_unreserved_cycle() {
        let mock = Mock::new(Duration::from_secs(1));
        assert_eq!(status_of(&mock, "ds-1").await, "QUEUING");
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(status_of(&mock, "ds-1").await, "COMPLETED");
        mock.trigger("p", "ds-1").await;
        assert_eq!(status_of(&mock, "ds-1").await, "QUEUING");
    }

    #[tokio::test]
    async fn failing_ids_answer_the_sync_as_the_api_would() {
        let mock = Mock::new(Duration::from_secs(75));
        for (id, status, code) in [
            ("http-400", 400, Some("ModelArts.4352")),
            ("http-401", 401, Some("APIG.0301")),
            ("http-403", 403, Some("ModelArts.0203")),
            ("http-404", 404, Some("APIG.0101")),
            ("http-429", 429, Some("APIG.0308")),
            ("http-502", 502, None),
            ("http-503", 503, None),
            ("text-dataset", 400, Some("ModelArts.4371")),
        ] {
            let r = mock.trigger("p", id).await;
            let retry_after = r.headers().get(header::RETRY_AFTER).cloned();
            let (got, body) = body_of(r).await;
            assert_eq!(got.as_u16(), status, "{id}");
            if let Some(code) = code {
                assert_eq!(body["error_code"], code, "{id}");
                assert!(body["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
            }
            // Like the GET's answer for the same ID.
            if id.starts_with("http-") {
                let get = mock.answer("p", id).await;
                assert_eq!(get.headers().get(header::RETRY_AFTER), retry_after.as_ref());
                assert_eq!(body_of(get).await, (got, body), "{id}");
            }
        }
        assert_eq!(status_of(&mock, "text-dataset").await, "NOT_EXIST");
        // IDs that test a broken status API keep being broken.
        assert_eq!(mock.trigger("p", "flaky").await.status(), StatusCode::OK);
        let (_, body) = body_of(mock.answer("p", "not-json").await).await;
        assert_eq!(body, Value::Null);
    }
}
