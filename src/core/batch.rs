//! A batch answer of the reference proxy, split into each dataset's answer.
//!
//! `GET {proxy}/v2/{project_id}/datasets/sync-data/status?dataset_ids=a,b`
//! answers 200 with one member per dataset asked for:
//!
//! ```json
//! {"a": {"http_status": 200, "body": {"status": "RUNNING"}},
//!  "b": {"http_status": 429, "retry_after": "30", "body": {"error_code": "…"}}}
//! ```
//!
//! `body` is that dataset's answer body, as JSON, or as a JSON string
//! holding its text when it was not JSON. Each entry is read on its own
//! (serde_json keeps its body's text as a `RawValue`) and interpreted as a
//! single answer would be; an answer other than 200 is the whole batch's,
//! and so every dataset's.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::core::model::{decode, BodyError, SyncStatus};
use crate::core::response::{interpret, RequestError};

/// One dataset's entry of a batch answer.
#[derive(Deserialize)]
struct Entry<'a> {
    http_status: u16,
    retry_after: Option<RetryAfter>,
    /// The dataset's answer body: JSON, or a JSON string of its text.
    #[serde(borrow)]
    body: Option<&'a RawValue>,
}

/// `Retry-After` as the proxy passes it on: the header's text, or seconds.
#[derive(Deserialize)]
#[serde(untagged)]
enum RetryAfter {
    Text(String),
    Seconds(u64),
}

/// The answer for each of `dataset_ids`, in their order.
pub fn split(
    status: u16,
    retry_after: Option<&str>,
    body: &str,
    dataset_ids: &[String],
) -> Vec<Result<SyncStatus, RequestError>> {
    if status == 200 {
        // Each entry is read on its own: one odd entry leaves the others.
        if let Ok(entries) = serde_json::from_str::<BTreeMap<String, &RawValue>>(body) {
            return dataset_ids
                .iter()
                .map(|id| entry(entries.get(id).copied()))
                .collect();
        }
    }
    // The whole batch failed: every dataset gets the error a single
    // answer would give.
    vec![interpret(status, retry_after, body); dataset_ids.len()]
}

/// One dataset's entry, interpreted.
fn entry(raw: Option<&RawValue>) -> Result<SyncStatus, RequestError> {
    let not_in_batch = || RequestError::Decode(BodyError::NotInBatch);
    let entry = serde_json::from_str::<Entry>(raw.ok_or_else(not_in_batch)?.get())
        .ok()
        .filter(|e| (100..=599).contains(&e.http_status))
        .ok_or_else(not_in_batch)?;
    let retry_after = entry.retry_after.map(|r| match r {
        RetryAfter::Text(text) => text,
        RetryAfter::Seconds(secs) => secs.to_string(),
    });
    let unquoted;
    let body = match entry.body.map(RawValue::get) {
        // A body that was not JSON, as text.
        Some(quoted) if quoted.starts_with('"') => {
            unquoted = decode::<String>(quoted).map_err(|_| not_in_batch())?;
            unquoted.as_str()
        }
        Some(json) => json,
        None => "",
    };
    interpret(entry.http_status, retry_after.as_deref(), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::lang::Lang;
    use crate::core::model::TaskStatus;
    use std::time::Duration;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_dataset_gets_its_own_answer() {
        let body = r#"{
            "b": {"http_status": 429, "retry_after": "30",
                  "body": {"error_code": "APIG.0308", "error_msg": "throttled"}},
            "a": {"http_status": 200, "body": {"status": "RUNNING", "total_sample_count": 9007199254740993}},
            "c": {"http_status": 502, "body": "<html>bad gateway</html>"},
            "d": {"http_status": 200, "body": "not json"},
            "e": {"http_status": 503, "retry_after": 20}
        }"#;
        let answers = split(200, None, body, &ids(&["a", "b", "c", "d", "e", "f"]));
        let a = answers[0].as_ref().unwrap();
        assert_eq!(a.status, Some(TaskStatus::Running));
        assert_eq!(a.total_sample_count, Some(9_007_199_254_740_993));
        let b = answers[1].as_ref().unwrap_err();
        assert_eq!(
            b.describe(Lang::En),
            "HTTP 429 Too Many Requests: APIG.0308: throttled"
        );
        assert_eq!(b.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(
            answers[2].as_ref().unwrap_err().describe(Lang::En),
            "HTTP 502 Bad Gateway (the response was not JSON; it may come from a gateway or proxy)"
        );
        assert!(matches!(
            answers[3],
            Err(RequestError::Decode(BodyError::NotJson { .. }))
        ));
        let e = answers[4].as_ref().unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(20)));
        assert_eq!(e.describe(Lang::En), "HTTP 503 Service Unavailable");
        assert_eq!(
            answers[5].as_ref().unwrap_err().describe(Lang::En),
            "Unreadable answer: the proxy's batch answer has no entry for this dataset"
        );
    }

    #[test]
    fn malformed_entries_are_not_statuses() {
        let body = r#"{"a": [1], "b": {"http_status": "200"}, "c": {"http_status": 99},
                      "d": {"http_status": 200.0, "body": {}}}"#;
        for answer in split(200, None, body, &ids(&["a", "b", "c", "d"])) {
            assert_eq!(answer, Err(RequestError::Decode(BodyError::NotInBatch)));
        }
    }

    #[test]
    fn a_failed_batch_fails_every_dataset() {
        let body = r#"{"error_code": "PROXY.0429", "error_msg": "slow down"}"#;
        let answers = split(429, Some("5"), body, &ids(&["a", "b"]));
        assert_eq!(answers.len(), 2);
        for answer in &answers {
            let e = answer.as_ref().unwrap_err();
            assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
            assert!(e.describe(Lang::En).ends_with("PROXY.0429: slow down"));
        }
        let answers = split(200, None, "<html>", &ids(&["a"]));
        assert!(matches!(
            answers[0],
            Err(RequestError::Decode(BodyError::NotJson { .. }))
        ));
        let answers = split(200, None, "[]", &ids(&["a"]));
        assert_eq!(
            answers[0],
            Err(RequestError::Decode(BodyError::NotAnObject))
        );
    }
}
