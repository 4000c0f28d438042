//! The batch path: the statuses of several datasets of one project in one
//! request, for pages that show many cards (the widget's `requests="batch"`).
//!
//! ```text
//! GET [/api]/v2/{project_id}/datasets/sync-data/status?dataset_ids=a,b,c
//! 200 {"a": {"http_status": 200, "body": {...}},
//!      "b": {"http_status": 429, "retry_after": "30", "body": {...}}, ...}
//! ```
//!
//! Each dataset is answered exactly as its own status request would be (the
//! same checks, cache and upstream request), at most [`PARALLEL`] at a time;
//! the whole batch answers within [`DEADLINE`], entries not ready by then as
//! 504, so slow datasets cannot hold back the others past the widget's
//! timeout. `body` is that answer's body: JSON as it came, or a JSON string
//! of its text when it was not JSON or nested too deep to stay readable
//! two levels further down. The rate limit counts one request per dataset
//! (at most a full bucket).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::errors::ApiError;

/// Datasets in one batch at most (the widget sends no more).
pub const MAX_BATCH: usize = 100;
/// Datasets answered at the same time, per batch.
pub const PARALLEL: usize = 16;
/// The batch answers by then; datasets not answered get a 504 entry.
pub const DEADLINE: Duration = Duration::from_secs(10);
/// Bodies nested deeper are sent as strings: a JSON reader that refuses
/// 128 levels (as serde_json and the widget's do) can still read the batch.
const MAX_BODY_DEPTH: usize = 100;
/// An entry's body is a status: far smaller than this.
const MAX_ENTRY_BODY: usize = 1 << 20;

/// The datasets a batch request names: `dataset_ids`, split at commas and
/// percent-decoded (not yet validated), without repeats.
pub fn dataset_ids(query: Option<&str>) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "PROXY.0400",
            format!("A batch names 1 to {MAX_BATCH} dataset IDs: ?dataset_ids=a,b,c."),
        )
    };
    let raw = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("dataset_ids="))
        .filter(|raw| !raw.is_empty())
        .ok_or_else(bad)?;
    let mut ids: Vec<String> = Vec::new();
    // Bounded work whatever the query: more than MAX_BATCH IDs (repeats
    // included) is refused before anything else.
    for (n, id) in raw.split(',').enumerate() {
        if n == MAX_BATCH {
            return Err(bad());
        }
        let id = percent_decode_str(id).decode_utf8_lossy().into_owned();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// How many requests a request counts for in the rate limit: one per
/// dataset for a batch, one otherwise.
pub fn cost(path: &str, query: Option<&str>) -> u32 {
    if path.ends_with("/datasets/sync-data/status") {
        dataset_ids(query).map_or(1, |ids| ids.len().max(1) as u32)
    } else {
        1
    }
}

/// Answers every dataset through `one` (a dataset's own status answer) and
/// gathers the answers in one body.
pub async fn answer<F, Fut>(ids: Vec<String>, one: F) -> Response
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Response> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(PARALLEL));
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut tasks = JoinSet::new();
    for (i, id) in ids.iter().enumerate() {
        let answer = one(id.clone());
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            // The deadline covers the wait for a turn as well.
            let answered = tokio::time::timeout_at(deadline, async move {
                let _permit = permits.acquire_owned().await;
                answer.await
            });
            let response = match answered.await {
                Ok(response) => response,
                Err(_) => ApiError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "PROXY.0504",
                    format!(
                        "No answer for this dataset within {} s.",
                        DEADLINE.as_secs()
                    ),
                )
                .into_response(),
            };
            (i, entry(response).await)
        });
    }
    let mut entries = vec![String::new(); ids.len()];
    while let Some(done) = tasks.join_next().await {
        if let Ok((i, text)) = done {
            entries[i] = text;
        }
    }
    let mut body = String::from("{");
    for (id, entry) in ids.iter().zip(entries) {
        if entry.is_empty() {
            continue; // its task failed: the widget reports the entry missing
        }
        if body.len() > 1 {
            body.push(',');
        }
        body.push_str(&serde_json::Value::from(id.as_str()).to_string());
        body.push(':');
        body.push_str(&entry);
    }
    body.push('}');
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// One answer as a batch entry.
async fn entry(response: Response) -> String {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(|v| serde_json::Value::from(v).to_string());
    let bytes = axum::body::to_bytes(response.into_body(), MAX_ENTRY_BODY)
        .await
        .unwrap_or_else(|_| Bytes::new());
    let readable = nesting(&bytes) <= MAX_BODY_DEPTH;
    let body = if readable && serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok() {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        serde_json::Value::from(String::from_utf8_lossy(&bytes)).to_string()
    };
    match retry_after {
        Some(r) => format!(r#"{{"http_status":{status},"retry_after":{r},"body":{body}}}"#),
        None => format!(r#"{{"http_status":{status},"body":{body}}}"#),
    }
}

/// How deep arrays and objects nest in a JSON text (outside strings).
fn nesting(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn ids_are_split_decoded_and_deduplicated() {
        assert_eq!(
            dataset_ids(Some("x=1&dataset_ids=a,b%2Cc,a,d%20e")).unwrap(),
            ["a", "b,c", "d e"]
        );
        for bad in [None, Some(""), Some("dataset_ids="), Some("ids=a")] {
            assert_eq!(
                dataset_ids(bad).unwrap_err().status,
                StatusCode::BAD_REQUEST
            );
        }
        let many: Vec<String> = (0..=MAX_BATCH).map(|i| i.to_string()).collect();
        let query = format!("dataset_ids={}", many.join(","));
        assert!(dataset_ids(Some(&query)).is_err());
        // Repeats count too: the work per request stays bounded.
        let query = format!("dataset_ids={}", vec!["a"; MAX_BATCH + 1].join(","));
        assert!(dataset_ids(Some(&query)).is_err());
        assert_eq!(cost("/v2/p/datasets/sync-data/status", Some(&query)), 1);
        let query = format!("dataset_ids={}", many[1..].join(","));
        assert_eq!(dataset_ids(Some(&query)).unwrap().len(), MAX_BATCH);
        assert_eq!(cost("/v2/p/datasets/sync-data/status", Some(&query)), 100);
        assert_eq!(cost("/v2/p/datasets/d/sync-data/status", Some(&query)), 1);
    }

    #[tokio::test]
    async fn entries_keep_each_answer() {
        let ids = vec!["json".to_owned(), "html".to_owned(), "slow\"".to_owned()];
        tokio::time::pause();
        let response = answer(ids, |id| async move {
            match id.as_str() {
                "json" => (
                    StatusCode::OK,
                    r#"{"status":"RUNNING","n":9007199254740993}"#,
                )
                    .into_response(),
                "html" => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "20")],
                    "<html>down</html>",
                )
                    .into_response(),
                _ => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    StatusCode::OK.into_response()
                }
            }
        })
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        // Counts pass through as text, unrounded.
        assert!(text.contains(r#""n":9007199254740993"#), "{text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            body["json"],
            json!({"http_status": 200, "body": {"status": "RUNNING", "n": 9007199254740993u64}})
        );
        assert_eq!(
            body["html"],
            json!({"http_status": 503, "retry_after": "20", "body": "<html>down</html>"})
        );
        assert_eq!(body["slow\""]["http_status"], 504);
        assert_eq!(body["slow\""]["body"]["error_code"], "PROXY.0504");
    }

    #[tokio::test]
    async fn the_deadline_covers_waiting_for_a_turn() {
        tokio::time::pause();
        let ids: Vec<String> = (0..3 * PARALLEL).map(|i| i.to_string()).collect();
        let started = tokio::time::Instant::now();
        // Each answer takes 4 s: only the first two rounds of PARALLEL fit.
        let response = answer(ids, |_| async {
            tokio::time::sleep(Duration::from_secs(4)).await;
            (StatusCode::OK, "{}").into_response()
        })
        .await;
        assert!(started.elapsed() <= DEADLINE + Duration::from_millis(10));
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let statuses: Vec<i64> = (0..3 * PARALLEL)
            .map(|i| body[i.to_string()]["http_status"].as_i64().unwrap())
            .collect();
        assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), 2 * PARALLEL);
        assert_eq!(statuses.iter().filter(|&&s| s == 504).count(), PARALLEL);
    }

    #[test]
    fn deep_bodies_travel_as_text() {
        assert_eq!(nesting(br#"{"a": [1, {"b": "[[[{"}], "c": "\"{"}"#), 3);
        assert_eq!(nesting(b"not json"), 0);
    }
}
