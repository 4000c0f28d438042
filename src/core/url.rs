//! The request URL: a proxy base plus the API path, or a template.
//!
//! IDs are always percent-encoded as path segments, so no ID can add a path
//! segment, a query or a fragment. Relative results are resolved against the
//! page by the browser.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::core::config::{is_template, Config, Requests};

/// Everything but RFC 3986's unreserved characters is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment.
pub fn encode_segment(raw: &str) -> String {
    utf8_percent_encode(raw, SEGMENT).to_string()
}

/// The API path for two IDs, encoded: `/v2/{p}/datasets/{d}/sync-data/status`.
pub fn api_path(project_id: &str, dataset_id: &str) -> String {
    format!(
        "/v2/{}/datasets/{}/sync-data/status",
        encode_segment(project_id),
        encode_segment(dataset_id)
    )
}

/// The URL the widget requests for a configuration.
///
/// ```
/// use modelarts_sync_status::core::{config::RawOptions, url::status_url};
/// let config = RawOptions::from_pairs([("project_id", "p 1"), ("dataset_id", "d/1")])
///     .validate()
///     .unwrap();
/// assert_eq!(status_url(&config), "/api/v2/p%201/datasets/d%2F1/sync-data/status");
/// ```
pub fn status_url(config: &Config) -> String {
    if is_template(&config.proxy) {
        config
            .proxy
            .replace("{project_id}", &encode_segment(&config.project_id))
            .replace("{dataset_id}", &encode_segment(&config.dataset_id))
    } else {
        let base = config.proxy.trim_end_matches('/');
        format!("{base}{}", api_path(&config.project_id, &config.dataset_id))
    }
}

/// The URL that starts a sync (`actions="sync"`, which validation allows
/// with a base URL only): `{proxy}/v2/{p}/datasets/{d}/sync-data`.
pub fn sync_url(config: &Config) -> String {
    let status = status_url(config);
    // The status path with its last segment off.
    status
        .strip_suffix("/status")
        .map_or_else(|| status.clone(), str::to_owned)
}

/// Datasets in one batch request at most (the reference proxy's limit).
pub const MAX_BATCH: usize = 100;

/// The reference proxy's batch path for a configuration (a base URL, as
/// validation ensures for `requests="batch"`): cards whose paths are equal
/// can share a request. `{proxy}/v2/{p}/datasets/sync-data/status`.
pub fn batch_path(config: &Config) -> String {
    format!(
        "{}/v2/{}/datasets/sync-data/status",
        config.proxy.trim_end_matches('/'),
        encode_segment(&config.project_id)
    )
}

/// How a card asks for its status: the `requests` option, with what it
/// needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// One request per card, to [`status_url`].
    Single { url: String },
    /// The card's dataset `id` asked for with the page's others, through
    /// the [`batch_path`] they share.
    Batch { path: String, id: String },
}

impl Transport {
    /// Which of the `requests` option's values this is.
    pub fn requests(&self) -> Requests {
        match self {
            Self::Single { .. } => Requests::Single,
            Self::Batch { .. } => Requests::Batch,
        }
    }

    /// The transport of a configuration.
    pub fn of(config: &Config) -> Self {
        match config.requests {
            Requests::Single => Self::Single {
                url: status_url(config),
            },
            Requests::Batch => Self::Batch {
                path: batch_path(config),
                id: config.dataset_id.clone(),
            },
        }
    }
}

/// One request for several datasets: `{path}?dataset_ids=a,b`, each ID
/// percent-encoded (a comma in an ID included).
pub fn batch_url<'a>(path: &str, dataset_ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut url = format!("{path}?dataset_ids=");
    for (i, id) in dataset_ids.into_iter().enumerate() {
        if i > 0 {
            url.push(',');
        }
        url.push_str(&encode_segment(id));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::config::RawOptions;
    use proptest::prelude::*;

    #[test]
    fn the_transport_follows_the_requests_option() {
        let config = |requests: &str| {
            RawOptions::from_pairs([
                ("project_id", "p"),
                ("dataset_id", "d,1"),
                ("requests", requests),
            ])
            .validate()
            .unwrap()
        };
        assert_eq!(
            Transport::of(&config("single")),
            Transport::Single {
                url: "/api/v2/p/datasets/d%2C1/sync-data/status".into()
            }
        );
        assert_eq!(
            Transport::of(&config("batch")),
            Transport::Batch {
                path: "/api/v2/p/datasets/sync-data/status".into(),
                id: "d,1".into()
            }
        );
    }

    fn url(proxy: &str, p: &str, d: &str) -> String {
        let c = RawOptions::from_pairs([("proxy", proxy), ("project_id", p), ("dataset_id", d)])
            .validate()
            .unwrap();
        status_url(&c)
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            url("/api", "p1", "d1"),
            "/api/v2/p1/datasets/d1/sync-data/status"
        );
        assert_eq!(
            url("/api/", "p1", "d1"),
            "/api/v2/p1/datasets/d1/sync-data/status"
        );
        assert_eq!(url("/", "p1", "d1"), "/v2/p1/datasets/d1/sync-data/status");
        assert_eq!(
            url("http://127.0.0.1:9009", "p1", "d1"),
            "http://127.0.0.1:9009/v2/p1/datasets/d1/sync-data/status"
        );
        assert_eq!(
            url("proxy", "p", "d"),
            "proxy/v2/p/datasets/d/sync-data/status"
        );
    }

    #[test]
    fn the_sync_url_is_the_status_url_without_status() {
        let c = RawOptions::from_pairs([
            ("proxy", "https://h/api/"),
            ("project_id", "p 1"),
            ("dataset_id", "d/1"),
            ("actions", "sync"),
        ])
        .validate()
        .unwrap();
        assert_eq!(
            sync_url(&c),
            "https://h/api/v2/p%201/datasets/d%2F1/sync-data"
        );
    }

    #[test]
    fn templates_are_used_as_is() {
        assert_eq!(
            url(
                "https://h/status?p={project_id}&d={dataset_id}",
                "a b",
                "c&d"
            ),
            "https://h/status?p=a%20b&d=c%26d"
        );
        assert_eq!(url("/x/{dataset_id}", "p", "d"), "/x/d");
    }

    #[test]
    fn batch_urls() {
        let config = RawOptions::from_pairs([
            ("proxy", "https://proxy.example/api/"),
            ("project_id", "p/1"),
            ("dataset_id", "d"),
        ])
        .validate()
        .unwrap();
        let path = batch_path(&config);
        assert_eq!(
            path,
            "https://proxy.example/api/v2/p%2F1/datasets/sync-data/status"
        );
        assert_eq!(
            batch_url(&path, ["a", "b,c", "d e"]),
            "https://proxy.example/api/v2/p%2F1/datasets/sync-data/status?dataset_ids=a,b%2Cc,d%20e"
        );
    }

    #[test]
    fn ids_cannot_escape_their_segment() {
        assert_eq!(
            url("/api", "../admin", "x?y#z/%2F"),
            "/api/v2/..%2Fadmin/datasets/x%3Fy%23z%2F%252F/sync-data/status"
        );
        assert_eq!(encode_segment("数据"), "%E6%95%B0%E6%8D%AE");
    }

    proptest! {
        #[test]
        fn encoded_segments_hold_only_safe_bytes(raw in ".{0,40}") {
            let enc = encode_segment(&raw);
            prop_assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            let decoded = percent_encoding::percent_decode_str(&enc).decode_utf8().unwrap();
            prop_assert_eq!(decoded, raw);
        }

        #[test]
        fn the_api_path_always_has_six_segments(p in "[^.].{0,20}", d in "[^.].{0,20}") {
            let path = api_path(&p, &d);
            prop_assert_eq!(path.split('/').count(), 7);
            prop_assert!(path.ends_with("/sync-data/status"));
        }
    }
}
