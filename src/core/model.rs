//! The status endpoint's response, parsed leniently and exactly.
//!
//! Every field is optional (the official example has only two). The three
//! sample counts are signed 64-bit integers parsed in Rust, never through an
//! `f64`, so counts above 2^53 stay exact. A field of the wrong JSON type is
//! treated as absent rather than failing the whole answer: one odd field must
//! not hide the rest of the card.

use crate::core::json::{self, JsonError, Member, Object};

/// The task status, as ModelArts documents it, plus whatever else a future
/// server may send.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    Queuing,
    Starting,
    Running,
    Completed,
    Failed,
    NotExist,
    /// A value the documentation does not list, kept exactly as sent.
    Unknown(String),
}

impl TaskStatus {
    /// Parses the API's string. Matching is exact: the API sends upper case.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "QUEUING" => Self::Queuing,
            "STARTING" => Self::Starting,
            "RUNNING" => Self::Running,
            "COMPLETED" => Self::Completed,
            "FAILED" => Self::Failed,
            "NOT_EXIST" => Self::NotExist,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The API's string for this status, as sent.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Queuing => "QUEUING",
            Self::Starting => "STARTING",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::NotExist => "NOT_EXIST",
            Self::Unknown(raw) => raw,
        }
    }

    /// A stable, CSS-safe modifier for class names (`mss-badge--running`).
    pub fn css_modifier(&self) -> &'static str {
        match self {
            Self::Queuing => "queuing",
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::NotExist => "not-exist",
            Self::Unknown(_) => "unknown",
        }
    }

    /// Terminal statuses do not change by themselves: they are refreshed at
    /// the idle interval.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::NotExist)
    }
}

/// One answer of `GET /v2/{project_id}/datasets/{dataset_id}/sync-data/status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub status: Option<TaskStatus>,
    pub dataset_id: Option<String>,
    pub task_id: Option<String>,
    pub total_sample_count: Option<i64>,
    pub add_sample_count: Option<i64>,
    pub deleted_sample_count: Option<i64>,
    /// Epoch milliseconds.
    pub create_time: Option<i64>,
    /// In the unit given by the `duration_unit` option.
    pub duration_time: Option<i64>,
    pub error_code: Option<String>,
    pub error_msg: Option<String>,
}

/// Why a body could not be read as a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Where the JSON broke.
    #[error("the body is not valid JSON (line {line}, column {column})")]
    NotJson { line: usize, column: usize },
    #[error("the body is JSON but not an object")]
    NotAnObject,
    /// A batch answer without a usable entry for the dataset.
    #[error("the proxy's batch answer has no entry for this dataset")]
    NotInBatch,
}

impl SyncStatus {
    /// Parses a 200 body.
    pub fn from_json(body: &str) -> Result<Self, BodyError> {
        let object = parse_object(body)?;
        Ok(Self {
            status: text(&object, "status").map(|s| TaskStatus::parse(&s)),
            dataset_id: text(&object, "dataset_id"),
            task_id: text(&object, "task_id"),
            total_sample_count: integer(&object, "total_sample_count"),
            add_sample_count: integer(&object, "add_sample_count"),
            deleted_sample_count: integer(&object, "deleted_sample_count"),
            create_time: integer(&object, "create_time"),
            duration_time: integer(&object, "duration_time"),
            error_code: text(&object, "error_code"),
            error_msg: text(&object, "error_msg").or_else(|| text(&object, "error_message")),
        })
    }
}

/// The error body of ModelArts and its API gateway:
/// `{"error_code": "APIG.0301", "error_msg": "..."}` (some pages say
/// `error_message`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiErrorBody {
    pub error_code: Option<String>,
    pub error_msg: Option<String>,
}

impl ApiErrorBody {
    /// Reads an error body; `None` when the body is not a JSON object or has
    /// neither field.
    pub fn from_json(body: &str) -> Option<Self> {
        Self::read(body).ok().flatten()
    }

    /// Reads an error body: `Ok(None)` for an object with neither field,
    /// `Err` with why when the body is not a JSON object.
    pub fn read(body: &str) -> Result<Option<Self>, BodyError> {
        let object = parse_object(body)?;
        let parsed = Self {
            error_code: text(&object, "error_code"),
            error_msg: text(&object, "error_msg").or_else(|| text(&object, "error_message")),
        };
        Ok((parsed.error_code.is_some() || parsed.error_msg.is_some()).then_some(parsed))
    }
}

fn parse_object(body: &str) -> Result<Object, BodyError> {
    json::parse_object(body).map_err(|err| match err {
        JsonError::Syntax { line, column } => BodyError::NotJson { line, column },
        JsonError::NotAnObject => BodyError::NotAnObject,
    })
}

fn text(object: &Object, key: &str) -> Option<String> {
    match object.get(key)? {
        Member::Str(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn integer(object: &Object, key: &str) -> Option<i64> {
    match object.get(key)? {
        Member::Num(n) => *n,
        Member::Str(s) => s.trim().parse::<i64>().ok(),
        Member::Other => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_example_parses() {
        let s = SyncStatus::from_json(
            r#"{"status": "COMPLETED", "dataset_id": "gfghHSokody6AJigS5A"}"#,
        )
        .unwrap();
        assert_eq!(s.status, Some(TaskStatus::Completed));
        assert_eq!(s.dataset_id.as_deref(), Some("gfghHSokody6AJigS5A"));
        assert_eq!(s.total_sample_count, None);
    }

    #[test]
    fn counts_above_2_pow_53_are_exact() {
        let s = SyncStatus::from_json(
            r#"{"total_sample_count": 9007199254740993, "add_sample_count": 9223372036854775807,
                "deleted_sample_count": "12345678901234567"}"#,
        )
        .unwrap();
        assert_eq!(s.total_sample_count, Some(9_007_199_254_740_993));
        assert_eq!(s.add_sample_count, Some(i64::MAX));
        assert_eq!(s.deleted_sample_count, Some(12_345_678_901_234_567));
    }

    #[test]
    fn wrong_types_are_absent_not_fatal() {
        let s = SyncStatus::from_json(
            r#"{"status": 3, "total_sample_count": 1.5, "add_sample_count": 18446744073709551615,
                "task_id": null, "create_time": [], "dataset_id": "", "extra": {"a": 1}}"#,
        )
        .unwrap();
        assert_eq!(s, SyncStatus::default());
    }

    #[test]
    fn unknown_status_is_kept_as_sent() {
        let s = SyncStatus::from_json(r#"{"status": "PAUSED"}"#).unwrap();
        assert_eq!(s.status, Some(TaskStatus::Unknown("PAUSED".into())));
        assert_eq!(s.status.unwrap().as_str(), "PAUSED");
        assert_eq!(
            TaskStatus::parse("running"),
            TaskStatus::Unknown("running".into())
        );
    }

    #[test]
    fn every_documented_status_round_trips() {
        for raw in [
            "QUEUING",
            "STARTING",
            "RUNNING",
            "COMPLETED",
            "FAILED",
            "NOT_EXIST",
        ] {
            let status = TaskStatus::parse(raw);
            assert!(!matches!(status, TaskStatus::Unknown(_)), "{raw}");
            assert_eq!(status.as_str(), raw);
        }
        assert!(TaskStatus::Completed.is_terminal());
        assert!(TaskStatus::Failed.is_terminal());
        assert!(TaskStatus::NotExist.is_terminal());
        assert!(!TaskStatus::Running.is_terminal());
        assert!(!TaskStatus::Unknown("PAUSED".into()).is_terminal());
    }

    #[test]
    fn error_message_alias_is_accepted() {
        let s = SyncStatus::from_json(r#"{"status":"FAILED","error_message":"boom"}"#).unwrap();
        assert_eq!(s.error_msg.as_deref(), Some("boom"));
        let e = ApiErrorBody::from_json(r#"{"error_code":"APIG.0301","error_message":"expired"}"#)
            .unwrap();
        assert_eq!(e.error_code.as_deref(), Some("APIG.0301"));
        assert_eq!(e.error_msg.as_deref(), Some("expired"));
    }

    proptest::proptest! {
        /// Any body, however broken, parses or fails cleanly.
        #[test]
        fn any_body_is_handled(body in ".{0,200}") {
            let _ = SyncStatus::from_json(&body);
            let _ = ApiErrorBody::from_json(&body);
        }

        #[test]
        fn any_json_object_is_handled(
            fields in proptest::collection::vec(("[a-z_]{1,20}", proptest::prelude::any::<i64>()), 0..12)
        ) {
            let body = format!(
                "{{{}}}",
                fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            );
            proptest::prop_assert!(SyncStatus::from_json(&body).is_ok());
        }
    }

    #[test]
    fn bodies_that_are_not_objects_are_errors() {
        assert!(matches!(
            SyncStatus::from_json("<html>"),
            Err(BodyError::NotJson { .. })
        ));
        assert_eq!(SyncStatus::from_json("[1]"), Err(BodyError::NotAnObject));
        assert_eq!(ApiErrorBody::from_json("<html>"), None);
        assert_eq!(ApiErrorBody::from_json("{}"), None);
    }
}
