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
//! holding its text when it was not JSON. Each entry is then interpreted as
//! a single answer would be; an answer other than 200 is the whole batch's,
//! and so every dataset's.

use crate::core::json::{self, Member};
use crate::core::model::{BodyError, SyncStatus};
use crate::core::response::{interpret, RequestError};

/// The answer for each of `dataset_ids`, in their order.
pub fn split(
    status: u16,
    retry_after: Option<&str>,
    body: &str,
    dataset_ids: &[String],
) -> Vec<Result<SyncStatus, RequestError>> {
    if status == 200 {
        if let Ok(object) = json::parse_object(body) {
            return dataset_ids
                .iter()
                .map(|id| entry(body, &object, id))
                .collect();
        }
    }
    // The whole batch failed: every dataset gets the error a single
    // answer would give.
    vec![interpret(status, retry_after, body); dataset_ids.len()]
}

/// One dataset's entry, interpreted.
fn entry(text: &str, object: &json::Object, id: &str) -> Result<SyncStatus, RequestError> {
    let not_in_batch = || RequestError::Decode(BodyError::NotInBatch);
    let text = &text[object.span(id).ok_or_else(not_in_batch)?];
    let entry = json::parse_object(text).map_err(|_| not_in_batch())?;
    let status = match entry.get("http_status") {
        Some(&Member::Num(Some(n))) if (100..=599).contains(&n) => n as u16,
        _ => return Err(not_in_batch()),
    };
    let retry_after = match entry.get("retry_after") {
        Some(Member::Str(s)) => Some(s.clone()),
        Some(Member::Num(Some(n))) => Some(n.to_string()),
        _ => None,
    };
    let body = match (entry.get("body"), entry.span("body")) {
        (Some(Member::Str(s)), _) => s.as_str(),
        (_, Some(span)) => &text[span],
        _ => "",
    };
    interpret(status, retry_after.as_deref(), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::i18n::Lang;
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
