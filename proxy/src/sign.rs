//! The API gateway's `SDK-HMAC-SHA256` request signature (AK/SK
//! authentication), computed exactly as Huawei Cloud's official SDKs do
//! (`core/auth/signer/signer.go` in huaweicloud-sdk-go-v3,
//! `huaweicloudsdkcore/signer/signer.py` in huaweicloud-sdk-python-v3):
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n
//!                    CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
//! StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
//! Signature        = hex(hmac_sha256(SK, StringToSign))
//! Authorization    = "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>"
//! ```
//!
//! Like AWS SigV4 without the credential scope, with one quirk that matters:
//! the canonical URI always ends with `/`, even though the request path does
//! not. Every header set on the request is signed (names lower-cased, sorted),
//! as the SDKs sign all the headers they set (`host`, `x-sdk-date`, and
//! `x-project-id` when a project ID is configured), except `Content-Type`,
//! which the SDKs never sign (the Go SDK skips any name starting with
//! `content-type`). The method is part of the canonical request, and a
//! request without a body (the GET, and the POST that starts a sync) signs
//! the SHA-256 of the empty string.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The algorithm name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The header carrying the signing time, `YYYYMMDDTHHMMSSZ` in UTC.
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";

/// One request to sign. `path` is the request path with its segments *not*
/// percent-encoded (the SDKs encode each segment themselves); `query` and
/// `headers` likewise hold raw values. `headers` must include every header to
/// sign, `Host` and `X-Sdk-Date` among them.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The SDKs' escaping: everything but `A-Z a-z 0-9 - _ . ~` becomes `%XX`
/// (upper-case hex), byte by byte of the UTF-8 text.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Each segment escaped, then a `/` appended unless the path ends with one:
/// the SDKs do this, and the gateway verifies against it.
pub fn canonical_uri(path: &str) -> String {
    let mut uri = path.split('/').map(escape).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// `k=v` pairs, escaped, sorted by key then value, joined with `&`.
pub fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> =
        query.iter().map(|(k, v)| (escape(k), escape(v))).collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Lower-cased header names, sorted, without `Content-Type` (which the SDKs
/// leave unsigned): the `SignedHeaders` list.
pub fn signed_headers(headers: &[(&str, &str)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .filter(|k| !k.starts_with("content-type"))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The canonical request, the text whose hash is signed.
pub fn canonical_request(request: &Request<'_>) -> String {
    let names = signed_headers(request.headers);
    let mut canonical_headers = String::new();
    for name in &names {
        let mut values: Vec<&str> = request
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        values.sort_unstable();
        for value in values {
            canonical_headers.push_str(name);
            canonical_headers.push(':');
            canonical_headers.push_str(value);
            canonical_headers.push('\n');
        }
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method.to_ascii_uppercase(),
        canonical_uri(request.path),
        canonical_query(request.query),
        canonical_headers,
        names.join(";"),
        hex::encode(Sha256::digest(request.body)),
    )
}

/// `SDK-HMAC-SHA256 \n date \n hex(sha256(canonical request))`.
pub fn string_to_sign(canonical_request: &str, sdk_date: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// Hex HMAC-SHA256 of the string to sign, keyed with the secret key.
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value for this request, signed at `sdk_date`
/// (which must be the request's `X-Sdk-Date` header value).
pub fn authorization(
    request: &Request<'_>,
    sdk_date: &str,
    access_key: &str,
    secret_key: &str,
) -> String {
    let canonical = canonical_request(request);
    let sig = signature(secret_key, &string_to_sign(&canonical, sdk_date));
    format!(
        "{ALGORITHM} Access={access_key}, SignedHeaders={}, Signature={sig}",
        signed_headers(request.headers).join(";")
    )
}

/// `YYYYMMDDTHHMMSSZ` in UTC, the `X-Sdk-Date` format (Go `20060102T150405Z`).
pub fn sdk_date(time: SystemTime) -> String {
    // Before 1970 cannot happen with a sane clock; clamp rather than fail.
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`), so the proxy needs no date crate for one format.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Reference values: computed once with `tests/reference/sign_reference.py`
/// (python3 `hashlib`/`hmac`, following the official Python SDK's
/// `Signer.sign` step by step), except `official_go_sdk_vector`, which is the
/// expected value in huaweicloud-sdk-go-v3's own `core/auth/signer/signer_test.go`
/// (`TestSigner_Sign`, case `test1`).
#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const PROJECT: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    const PATH: &str =
        "/v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/datasets/gfghHSokody6AJigS5A/sync-data/status";
    const HOST: &str = "modelarts.cn-north-4.myhuaweicloud.com";
    const AK: &str = "EXAMPLEAK0123456789AB";
    const SK: &str = "exampleSk0123456789abcdefghijklmnopqrstuv";

    fn get<'a>(
        path: &'a str,
        query: &'a [(&'a str, &'a str)],
        headers: &'a [(&'a str, &'a str)],
    ) -> Request<'a> {
        Request {
            method: "GET",
            path,
            query,
            headers,
            body: b"",
        }
    }

    #[test]
    fn official_go_sdk_vector() {
        let headers = [("X-Sdk-Date", "20060102T150405Z")];
        let request = get("/path", &[("limit", "1")], &headers);
        assert_eq!(
            canonical_request(&request),
            format!(
                "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n{EMPTY_SHA256}"
            )
        );
        assert_eq!(
            authorization(&request, "20060102T150405Z", "AccessKey", "SecretKey"),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, \
             Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"
        );
    }

    #[test]
    fn status_request_without_project() {
        let headers = [("Host", HOST), ("X-Sdk-Date", "20261129T023600Z")];
        let request = get(PATH, &[], &headers);
        assert_eq!(
            canonical_request(&request),
            format!(
                "GET\n{PATH}/\n\nhost:{HOST}\nx-sdk-date:20261129T023600Z\n\nhost;x-sdk-date\n{EMPTY_SHA256}"
            )
        );
        assert_eq!(
            authorization(&request, "20261129T023600Z", AK, SK),
            "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, SignedHeaders=host;x-sdk-date, \
             Signature=0857b905cd5a84f35c5836d0926b317a045bc052b2e7e4de4b3ff023f3aa17a4"
        );
    }

    #[test]
    fn status_request_with_project_header() {
        // Header order does not matter: names are sorted.
        let headers = [
            ("X-Sdk-Date", "20261129T023600Z"),
            ("X-Project-Id", PROJECT),
            ("Host", HOST),
        ];
        let request = get(PATH, &[], &headers);
        assert_eq!(
            authorization(&request, "20261129T023600Z", AK, SK),
            "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, SignedHeaders=host;x-project-id;x-sdk-date, \
             Signature=e20cf3f4fe6835157bdd66150d8a3df391a708403ecb9287ba8ba5d55ddf1547"
        );
    }

    #[test]
    fn sync_post_with_an_empty_body() {
        // The POST that starts a sync: method POST, the sync-data path, the
        // empty body's hash; Content-Type is sent but, as the SDKs do, not
        // signed (so it changes nothing).
        const SYNC: &str =
            "/v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/datasets/gfghHSokody6AJigS5A/sync-data";
        let headers = [
            ("Host", HOST),
            ("X-Sdk-Date", "20261129T023600Z"),
            ("X-Project-Id", PROJECT),
        ];
        let post = Request {
            method: "POST",
            path: SYNC,
            query: &[],
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            canonical_request(&post),
            format!(
                "POST\n{SYNC}/\n\nhost:{HOST}\nx-project-id:{PROJECT}\n\
                 x-sdk-date:20261129T023600Z\n\nhost;x-project-id;x-sdk-date\n{EMPTY_SHA256}"
            )
        );
        let expected = "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, \
             SignedHeaders=host;x-project-id;x-sdk-date, \
             Signature=a61e533c0e02ea2aae6a197bf4ac561ae48b95a172ef77734cc394e13eba91b3";
        assert_eq!(authorization(&post, "20261129T023600Z", AK, SK), expected);
        let with_type = [
            ("Host", HOST),
            ("Content-Type", "application/json"),
            ("X-Sdk-Date", "20261129T023600Z"),
            ("X-Project-Id", PROJECT),
        ];
        let typed = Request {
            headers: &with_type,
            ..post
        };
        assert_eq!(authorization(&typed, "20261129T023600Z", AK, SK), expected);
        // The method is signed: the same request as a GET is another signature.
        let get = Request {
            method: "GET",
            ..post
        };
        assert_ne!(authorization(&get, "20261129T023600Z", AK, SK), expected);
    }

    #[test]
    fn port_query_and_escapes() {
        let headers = [
            ("Host", "127.0.0.1:8443"),
            ("X-Sdk-Date", "19991231T235959Z"),
        ];
        let query = [("marker", "a b/c"), ("limit", "10"), ("Zeta", "~ok*")];
        let request = get("/v1/a b/ü", &query, &headers);
        assert_eq!(
            canonical_request(&request),
            format!(
                "GET\n/v1/a%20b/%C3%BC/\nZeta=~ok%2A&limit=10&marker=a%20b%2Fc\n\
                 host:127.0.0.1:8443\nx-sdk-date:19991231T235959Z\n\nhost;x-sdk-date\n{EMPTY_SHA256}"
            )
        );
        assert_eq!(
            authorization(&request, "19991231T235959Z", "AK", "SK"),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, \
             Signature=61e5526b3717439c0b1994b11aa4ba0f92411391ac7a218c2c2f62b50ab7eea4"
        );
    }

    #[test]
    fn canonical_uri_appends_one_slash() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a/b"), "/a/b/");
        assert_eq!(canonical_uri("/a/b/"), "/a/b/");
    }

    #[test]
    fn header_values_are_trimmed() {
        let a = [("Host", " h "), ("X-Sdk-Date", "20060102T150405Z")];
        let b = [("host", "h"), ("x-sdk-date", "20060102T150405Z")];
        assert_eq!(
            canonical_request(&get("/", &[], &a)),
            canonical_request(&get("/", &[], &b))
        );
    }

    #[test]
    fn sdk_date_format() {
        let at = |secs| sdk_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "19700101T000000Z");
        assert_eq!(at(946_684_799), "19991231T235959Z");
        assert_eq!(at(1_136_214_245), "20060102T150405Z");
        assert_eq!(at(1_709_208_000), "20240229T120000Z");
        assert_eq!(at(1_795_919_760), "20261129T023600Z");
    }
}
