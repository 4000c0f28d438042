//! The status endpoint's answer, as serde reads it.
//!
//! Every field is optional (the official example has only two) and an absent
//! one stays absent, never 0. The sample counts and times are signed 64-bit
//! integers read by serde_json straight into `i64`, never through an `f64`,
//! so counts above 2^53 stay exact. Unknown members are ignored and unknown
//! statuses kept as sent; a member of the wrong JSON type (`"status": 5`)
//! makes the answer a [`BodyError::Field`] naming it, not a card of dashes.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;

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

    /// A task under way (QUEUING, STARTING, RUNNING): nothing to start.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Queuing | Self::Starting | Self::Running)
    }
}

/// One answer of `GET /v2/{project_id}/datasets/{dataset_id}/sync-data/status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "WireStatus")]
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

/// The answer as sent: both spellings of the message (some pages say
/// `error_message`), empty strings not yet dropped.
#[derive(Deserialize)]
struct WireStatus {
    status: Option<String>,
    dataset_id: Option<String>,
    task_id: Option<String>,
    total_sample_count: Option<Long>,
    add_sample_count: Option<Long>,
    deleted_sample_count: Option<Long>,
    create_time: Option<Long>,
    duration_time: Option<Long>,
    error_code: Option<String>,
    error_msg: Option<String>,
    error_message: Option<String>,
}

impl From<WireStatus> for SyncStatus {
    fn from(w: WireStatus) -> Self {
        Self {
            status: non_empty(w.status).map(|s| TaskStatus::parse(&s)),
            dataset_id: non_empty(w.dataset_id),
            task_id: non_empty(w.task_id),
            total_sample_count: w.total_sample_count.map(|n| n.0),
            add_sample_count: w.add_sample_count.map(|n| n.0),
            deleted_sample_count: w.deleted_sample_count.map(|n| n.0),
            create_time: w.create_time.map(|n| n.0),
            duration_time: w.duration_time.map(|n| n.0),
            error_code: non_empty(w.error_code),
            error_msg: non_empty(w.error_msg).or_else(|| non_empty(w.error_message)),
        }
    }
}

/// An empty string says nothing: it is shown as absent.
fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

/// The API's `Long`: a JSON integer that fits an `i64`, or a string holding
/// one (as some gateways send 64-bit values). Fractions, larger integers and
/// other strings are errors.
struct Long(i64);

impl<'de> Deserialize<'de> for Long {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LongVisitor;

        impl Visitor<'_> for LongVisitor {
            type Value = Long;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a 64-bit integer")
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Long, E> {
                Ok(Long(n))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Long, E> {
                i64::try_from(n)
                    .map(Long)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Long, E> {
                s.trim()
                    .parse()
                    .map(Long)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }

        deserializer.deserialize_any(LongVisitor)
    }
}

/// Why a body could not be read as an answer. Its words are in
/// `core::i18n` (`BodyError::describe`); `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Where the JSON broke.
    NotJson {
        line: usize,
        column: usize,
    },
    NotAnObject,
    /// A member of the wrong type or value, named as serde names it
    /// (`total_sample_count`), with serde's message; `field` is empty when
    /// the object as a whole is at fault (a member given twice).
    Field {
        field: String,
        message: String,
    },
    /// A batch answer without a usable entry for the dataset.
    NotInBatch,
}

/// Reads one JSON document into `T` with serde_json, and says which member
/// did not fit when one does not.
pub fn decode<T: DeserializeOwned>(body: &str) -> Result<T, BodyError> {
    let mut json = serde_json::Deserializer::from_str(body);
    let value = serde_path_to_error::deserialize(&mut json).map_err(|err| {
        let field = err.path().to_string();
        body_error(err.into_inner(), body, field)
    })?;
    // Nothing but whitespace may follow the document.
    json.end()
        .map_err(|err| body_error(err, body, String::new()))?;
    Ok(value)
}

fn body_error(err: serde_json::Error, body: &str, field: String) -> BodyError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Data if !body.trim_start().starts_with('{') => BodyError::NotAnObject,
        Category::Data => {
            // serde_json ends its messages with where they happened; the
            // field's name says more.
            let message = err.to_string();
            let at = format!(" at line {} column {}", err.line(), err.column());
            BodyError::Field {
                field: if field == "." { String::new() } else { field },
                message: message.strip_suffix(&at).unwrap_or(&message).to_owned(),
            }
        }
        Category::Io | Category::Syntax | Category::Eof => BodyError::NotJson {
            line: err.line(),
            column: err.column(),
        },
    }
}

impl SyncStatus {
    /// Reads a 200 body.
    pub fn from_json(body: &str) -> Result<Self, BodyError> {
        decode(body)
    }

    /// A failure to show: a FAILED task, or any answer with an
    /// `error_code` or `error_msg` (an undocumented status may carry them).
    pub fn reports_failure(&self) -> bool {
        self.status == Some(TaskStatus::Failed)
            || self.error_code.is_some()
            || self.error_msg.is_some()
    }
}

/// The error body of ModelArts and its API gateway:
/// `{"error_code": "APIG.0301", "error_msg": "..."}` (some pages say
/// `error_message`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "WireError")]
pub struct ApiErrorBody {
    pub error_code: Option<String>,
    pub error_msg: Option<String>,
}

#[derive(Deserialize)]
struct WireError {
    error_code: Option<String>,
    error_msg: Option<String>,
    error_message: Option<String>,
}

impl From<WireError> for ApiErrorBody {
    fn from(w: WireError) -> Self {
        Self {
            error_code: non_empty(w.error_code),
            error_msg: non_empty(w.error_msg).or_else(|| non_empty(w.error_message)),
        }
    }
}

impl ApiErrorBody {
    /// Reads an error body; `None` when the body is not one.
    pub fn from_json(body: &str) -> Option<Self> {
        Self::read(body).ok().flatten()
    }

    /// Reads an error body: `Ok(None)` for JSON that says nothing usable
    /// (neither field, or fields of other types: the HTTP status is the
    /// error then), `Err` when the body is not JSON at all.
    pub fn read(body: &str) -> Result<Option<Self>, BodyError> {
        match decode::<Self>(body) {
            Ok(e) => Ok((e.error_code.is_some() || e.error_msg.is_some()).then_some(e)),
            Err(BodyError::NotJson { line, column }) => Err(BodyError::NotJson { line, column }),
            Err(_) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

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
    fn a_failure_is_shown_for_failed_tasks_and_for_any_error_details() {
        let read = |body| SyncStatus::from_json(body).unwrap().reports_failure();
        assert!(read(r#"{"status": "FAILED"}"#));
        assert!(read(
            r#"{"status": "PAUSED", "error_msg": "paused by the admin"}"#
        ));
        assert!(read(
            r#"{"status": "RUNNING", "error_code": "ModelArts.4370"}"#
        ));
        assert!(!read(r#"{"status": "RUNNING"}"#));
        assert!(!read(r#"{}"#));
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
    fn a_member_of_the_wrong_type_is_named() {
        let cases = [
            (
                r#"{"status": 5}"#,
                "status",
                "invalid type: integer `5`, expected a string",
            ),
            (
                r#"{"status": "RUNNING", "total_sample_count": "many"}"#,
                "total_sample_count",
                "invalid value: string \"many\", expected a 64-bit integer",
            ),
            (
                r#"{"total_sample_count": 1.5}"#,
                "total_sample_count",
                "invalid type: floating point `1.5`, expected a 64-bit integer",
            ),
            (
                r#"{"add_sample_count": 18446744073709551615}"#,
                "add_sample_count",
                "invalid value: integer `18446744073709551615`, expected a 64-bit integer",
            ),
            (
                r#"{"create_time": []}"#,
                "create_time",
                "invalid type: sequence, expected a 64-bit integer",
            ),
            (
                r#"{"task_id": {"a": 1}}"#,
                "task_id",
                "invalid type: map, expected a string",
            ),
        ];
        for (body, field, message) in cases {
            assert_eq!(
                SyncStatus::from_json(body),
                Err(BodyError::Field {
                    field: field.into(),
                    message: message.into()
                }),
                "{body}"
            );
        }
        let shown = SyncStatus::from_json(r#"{"status": 5}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(
            shown,
            "status: invalid type: integer `5`, expected a string"
        );
    }

    #[test]
    fn null_empty_and_unknown_members_are_absent() {
        let s = SyncStatus::from_json(
            r#"{"task_id": null, "total_sample_count": null, "dataset_id": "", "status": "",
                "extra": {"a": [1, 2.5e300]}, "error_message": ""}"#,
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

    #[test]
    fn counts_agree_with_serde_json_values() {
        // The typed read gives what a generic JSON value holds.
        let body = r#"{"total_sample_count": -9223372036854775808, "add_sample_count": 0,
                       "deleted_sample_count": 9223372036854775807}"#;
        let s = SyncStatus::from_json(body).unwrap();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(s.total_sample_count, v["total_sample_count"].as_i64());
        assert_eq!(s.add_sample_count, v["add_sample_count"].as_i64());
        assert_eq!(s.deleted_sample_count, v["deleted_sample_count"].as_i64());
    }

    proptest::proptest! {
        /// Any body, however broken, parses or fails cleanly.
        #[test]
        fn any_body_is_handled(body in ".{0,200}") {
            let _ = SyncStatus::from_json(&body);
            let _ = ApiErrorBody::from_json(&body);
        }

        /// Integers under any name: counts and times read exactly, strings
        /// refused by name, unknown names ignored, a repeated name refused.
        #[test]
        fn any_object_of_integers_is_read_exactly(
            fields in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        proptest::sample::select(&COUNTED[..]).prop_map(str::to_owned),
                        proptest::sample::select(&TEXTS[..]).prop_map(str::to_owned),
                        "[a-z_]{1,20}",
                    ],
                    proptest::prelude::any::<i64>(),
                ),
                0..12,
            )
        ) {
            use proptest::prop_assert_eq;
            let body = format!(
                "{{{}}}",
                fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            );
            let known = |k: &str| COUNTED.contains(&k) || TEXTS.contains(&k);
            let repeated = fields
                .iter()
                .enumerate()
                .any(|(i, (k, _))| known(k) && fields[..i].iter().any(|(o, _)| o == k));
            let texts = fields.iter().any(|(k, _)| TEXTS.contains(&k.as_str()));
            let read = SyncStatus::from_json(&body);
            prop_assert_eq!(read.is_ok(), !texts && !repeated, "{}", body);
            if let Ok(s) = read {
                let given = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
                prop_assert_eq!(s.total_sample_count, given("total_sample_count"));
                prop_assert_eq!(s.add_sample_count, given("add_sample_count"));
                prop_assert_eq!(s.deleted_sample_count, given("deleted_sample_count"));
                prop_assert_eq!(s.create_time, given("create_time"));
                prop_assert_eq!(s.duration_time, given("duration_time"));
            }
        }
    }

    const COUNTED: [&str; 5] = [
        "total_sample_count",
        "add_sample_count",
        "deleted_sample_count",
        "create_time",
        "duration_time",
    ];
    const TEXTS: [&str; 6] = [
        "status",
        "dataset_id",
        "task_id",
        "error_code",
        "error_msg",
        "error_message",
    ];

    #[test]
    fn bodies_that_are_not_objects_are_errors() {
        assert!(matches!(
            SyncStatus::from_json("<html>"),
            Err(BodyError::NotJson { .. })
        ));
        assert_eq!(SyncStatus::from_json("[1]"), Err(BodyError::NotAnObject));
        assert_eq!(
            SyncStatus::from_json("\"RUNNING\""),
            Err(BodyError::NotAnObject)
        );
        assert!(matches!(
            SyncStatus::from_json(r#"{"status": "RUNNING"} {}"#),
            Err(BodyError::NotJson { .. })
        ));
        assert!(matches!(
            SyncStatus::from_json(""),
            Err(BodyError::NotJson { .. })
        ));
        assert_eq!(ApiErrorBody::from_json("<html>"), None);
        assert_eq!(ApiErrorBody::from_json("{}"), None);
        // An error body with odd members says nothing, but it is JSON.
        assert_eq!(ApiErrorBody::read(r#"{"error_code": 401}"#), Ok(None));
        assert_eq!(ApiErrorBody::read("[1]"), Ok(None));
        assert!(ApiErrorBody::read("<html>").is_err());
    }
}
