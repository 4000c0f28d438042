//! From an HTTP answer (or its absence) to a status or a request error.
//!
//! The browser layer only collects the status code, a few headers and the
//! body text; every decision about what they mean is made here.

use std::time::Duration;

use crate::core::model::{ApiErrorBody, BodyError, SyncStatus};

/// Why a refresh failed. Each kind says which thing went wrong; its words,
/// in both languages, are in `core::i18n` (`RequestError::describe`, and
/// `Display`, the English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The server answered with a status other than 200.
    Http {
        status: u16,
        error_code: Option<String>,
        error_msg: Option<String>,
        /// The body was not a ModelArts error body (an HTML error page...).
        body_not_json: bool,
        /// From `Retry-After`, when the server sent one.
        retry_after: Option<Duration>,
    },
    /// No answer: DNS, connection, CORS, or the browser is offline.
    Network(String),
    /// No answer within the configured timeout.
    Timeout(Duration),
    /// A 200 whose body is not a status.
    Decode(BodyError),
}

impl RequestError {
    /// The server asked to wait at least this long.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Reads `Retry-After` in seconds (HTTP dates are rare from gateways and
/// are not trusted: the client's clock may be off). Capped at a day.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(86_400)))
}

/// Interprets a complete answer.
pub fn interpret(
    status: u16,
    retry_after: Option<&str>,
    body: &str,
) -> Result<SyncStatus, RequestError> {
    if status == 200 {
        return SyncStatus::from_json(body).map_err(RequestError::Decode);
    }
    Err(http_error(status, retry_after, body))
}

/// Interprets the answer of a sync's POST: any 2xx started it (the API
/// answers 200 without a body; what a body says is not needed).
pub fn interpret_sync(
    status: u16,
    retry_after: Option<&str>,
    body: &str,
) -> Result<(), RequestError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    Err(http_error(status, retry_after, body))
}

/// A status other than success, with what its body and `Retry-After` say.
fn http_error(status: u16, retry_after: Option<&str>, body: &str) -> RequestError {
    // One reading serves both: the fields, and whether the body was JSON.
    let read = ApiErrorBody::read(body);
    let body_not_json = matches!(read, Err(BodyError::NotJson { .. }));
    let ApiErrorBody {
        error_code,
        error_msg,
    } = read.ok().flatten().unwrap_or_default();
    RequestError::Http {
        status,
        error_code,
        error_msg,
        body_not_json: body_not_json && !body.trim().is_empty(),
        retry_after: retry_after.and_then(parse_retry_after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::lang::Lang;
    use crate::core::model::TaskStatus;

    #[test]
    fn a_sync_is_started_by_any_2xx_and_refused_with_the_apis_words() {
        assert_eq!(interpret_sync(200, None, ""), Ok(()));
        assert_eq!(interpret_sync(204, None, "anything"), Ok(()));
        let e = interpret_sync(
            429,
            Some("42"),
            r#"{"error_code":"PROXY.0429","error_msg":"A sync of this dataset was started moments ago: retry after 42 s."}"#,
        )
        .unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(42)));
        let e = interpret_sync(
            400,
            None,
            r#"{"error_code":"ModelArts.4371","error_msg":"not supported"}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.describe(Lang::En),
            "HTTP 400 Bad Request: ModelArts.4371: not supported"
        );
    }

    #[test]
    fn ok_bodies_become_statuses() {
        let s = interpret(200, None, r#"{"status":"RUNNING"}"#).unwrap();
        assert_eq!(s.status, Some(TaskStatus::Running));
    }

    #[test]
    fn apig_401_names_code_and_message() {
        let e = interpret(
            401,
            None,
            r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: token expired"}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.describe(Lang::En),
            "HTTP 401 Unauthorized: APIG.0301: Incorrect IAM authentication information: token expired"
        );
    }

    #[test]
    fn html_502_says_it_was_not_json() {
        let e = interpret(
            502,
            None,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
        .unwrap_err();
        assert_eq!(
            e.describe(Lang::En),
            "HTTP 502 Bad Gateway (the response was not JSON; it may come from a gateway or proxy)"
        );
        assert!(e.describe(Lang::ZhCn).starts_with("HTTP 502 Bad Gateway（"));
    }

    #[test]
    fn ok_with_garbage_is_a_decode_error() {
        let e = interpret(200, None, "not json").unwrap_err();
        assert!(matches!(e, RequestError::Decode(BodyError::NotJson { .. })));
        assert!(e
            .describe(Lang::En)
            .starts_with("Unreadable answer: the body is not valid JSON"));
    }

    #[test]
    fn ok_with_a_member_of_the_wrong_type_is_a_decode_error() {
        let e = interpret(200, None, r#"{"status": 5, "total_sample_count": 3}"#).unwrap_err();
        assert_eq!(
            e.describe(Lang::En),
            "Unreadable answer: status: invalid type: integer `5`, expected a string"
        );
        assert_eq!(
            e.describe(Lang::ZhCn),
            "无法读取响应：字段 status 不符合（invalid type: integer `5`, expected a string）"
        );
        let e = interpret(200, None, r#"{"status": "RUNNING", "status": "FAILED"}"#).unwrap_err();
        assert_eq!(
            e.describe(Lang::En),
            "Unreadable answer: duplicate field `status`"
        );
    }

    #[test]
    fn retry_after_is_read() {
        let e = interpret(503, Some(" 120 "), "").unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
        assert_eq!(e.describe(Lang::En), "HTTP 503 Service Unavailable");
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(
            parse_retry_after("99999999"),
            Some(Duration::from_secs(86_400))
        );
    }

    #[test]
    fn other_errors() {
        assert_eq!(
            interpret(418, None, "{}").unwrap_err().describe(Lang::En),
            "HTTP 418"
        );
        assert_eq!(
            RequestError::Timeout(Duration::from_secs(15)).describe(Lang::En),
            "Timed out: no answer within 15 s"
        );
        assert_eq!(
            RequestError::Network(String::new()).describe(Lang::En),
            "Network error: the proxy could not be reached"
        );
    }
}
