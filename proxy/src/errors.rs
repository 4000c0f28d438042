//! The proxy's own error answers, shaped like the API's error bodies
//! (`{"error_code": "...", "error_msg": "..."}`) so the widget shows them the
//! same way, with codes `PROXY.<http status>` that say the proxy, not
//! ModelArts, answered.

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One error answer from the proxy itself.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
    /// The `Allow` header of a 405.
    pub allow: &'static str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            allow: "GET, OPTIONS",
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "PROXY.0404", message)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "PROXY.0405",
            "Method not allowed: the status API is read with GET only.",
        )
    }

    /// The sync path asked with another method than POST.
    pub fn sync_method_not_allowed() -> Self {
        Self {
            allow: "POST, OPTIONS",
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "PROXY.0405",
                "Method not allowed: a sync is started with POST.",
            )
        }
    }

    /// The sync path on a proxy started without `--allow-sync`.
    pub fn sync_not_enabled() -> Self {
        Self {
            // No method is allowed there (an empty Allow says so).
            allow: "",
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "PROXY.0405",
                "Method not allowed: starting a sync is not enabled on this proxy (--allow-sync).",
            )
        }
    }

    /// A request to start a sync that a page of another site could have
    /// sent: no `X-Requested-With`, or an `Origin` not allowed.
    pub fn cross_site(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "PROXY.0403", message)
    }

    /// The dataset was synchronized less than `--sync-cooldown` ago.
    pub fn sync_cooldown(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "PROXY.0429",
                format!(
                    "A sync of this dataset was started moments ago: retry after {retry_after_secs} s."
                ),
            )
        }
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "PROXY.0429",
                format!("Too many requests from this address: retry after {retry_after_secs} s."),
            )
        }
    }

    /// The replica's `--upstream-budget` is spent for now.
    pub fn budget_spent(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "PROXY.0429",
                format!(
                    "The proxy's requests to ModelArts for all viewers are at their limit: retry after {retry_after_secs} s."
                ),
            )
        }
    }

    /// The JSON body alone, for answers that keep another status.
    pub fn body(&self) -> String {
        json!({"error_code": self.code, "error_msg": self.message}).to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            self.body(),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(self.allow));
        }
        response
    }
}

/// Any path nothing else answers: 404, or 405 for methods that never read.
pub async fn fallback(method: Method) -> Response {
    if method == Method::GET || method == Method::HEAD {
        ApiError::not_found("Not found.").into_response()
    } else {
        ApiError::method_not_allowed().into_response()
    }
}

/// A known path asked with a method it does not take.
pub async fn method_not_allowed() -> Response {
    ApiError::method_not_allowed().into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_the_api_error_shape() {
        let e = ApiError::not_found("Not found.");
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(
            v,
            json!({"error_code": "PROXY.0404", "error_msg": "Not found."})
        );
    }

    #[test]
    fn rate_limited_sets_retry_after() {
        let r = ApiError::rate_limited(7).into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    }
}
