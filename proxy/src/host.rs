//! Which `Host`s the proxy answers, and which origin is its own
//! (`--public-origin`), so that DNS rebinding cannot make a page of another
//! site "same-origin".
//!
//! A page on `rebind.attacker.example`, whose name the attacker then points
//! at the proxy's address, sends the browser's requests with
//! `Host: rebind.attacker.example` and, on a POST, the matching `Origin`. So
//! the `Host` of a request is never taken as the proxy's identity:
//!
//! - **Answered** are the hosts of the `--public-origin`s (with or without
//!   the scheme's default port), `localhost`, and IP addresses. A browser
//!   sends an IP address as `Host` only for a page loaded from that address,
//!   which is then the proxy's own page (rebinding needs a name); this keeps
//!   loopback, the `--listen` address and health probes working without the
//!   option. Any other `Host` is a `421` with a JSON body, for every path
//!   but `/healthz`, reads and writes alike.
//! - **Own origins** (the `Origin` a sync may come from without being in
//!   `--allow-origin`) are the `--public-origin`s, and `http://` + the
//!   `Host` only when that `Host` is `localhost` or an IP address.
//!
//! `X-Forwarded-Host` is never read: a front that passes the public name
//! on (nginx `proxy_set_header Host $host`) has it named here instead.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;

/// The proxy's public origins (`--public-origin`), each as browsers send
/// an origin (`scheme://host[:port]`, checked by `cors::parse_origin`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicOrigins(pub Vec<String>);

impl PublicOrigins {
    /// Whether a request with this `Host` (or URI authority) is answered.
    pub fn answers(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        is_local(&host) || self.0.iter().any(|origin| host_matches(origin, &host))
    }

    /// Whether `origin` is the proxy's own for a request to `host`.
    pub fn is_own(&self, origin: &str, host: Option<&str>) -> bool {
        if self.0.iter().any(|o| o == origin) {
            return true;
        }
        let Some(host) = host.map(str::to_ascii_lowercase) else {
            return false;
        };
        if !is_local(&host) {
            return false;
        }
        // Browsers leave the scheme's default port out of an origin.
        let host = host.strip_suffix(":80").unwrap_or(&host);
        origin == format!("http://{host}")
    }
}

/// The `Host` a request came to: the header, or the authority of an
/// absolute-form target.
pub fn request_host<'a>(headers: &'a HeaderMap, uri: &'a Uri) -> Option<&'a str> {
    match headers.get(header::HOST) {
        Some(host) => host.to_str().ok(),
        None => uri.authority().map(|a| a.as_str()),
    }
}

/// `localhost` or an IP address, with an optional port (lower-cased).
fn is_local(host: &str) -> bool {
    let Some(name) = without_port(host) else {
        return false;
    };
    if name == "localhost" {
        return true;
    }
    let address = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    // An IPv6 address is only valid in brackets.
    address
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_ipv4() == (address == name))
}

/// The name of `host[:port]`, or `None` if the port is not digits.
fn without_port(host: &str) -> Option<&str> {
    let (name, port) = match host.rfind(':') {
        // A colon inside brackets is IPv6's, not a port's.
        Some(i) if !host[i..].contains(']') => (&host[..i], Some(&host[i + 1..])),
        _ => (host, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && !name.is_empty()).then_some(name)
}

/// Whether `host` names `origin`'s host and port (the default port
/// written or not).
fn host_matches(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    if host == authority {
        return true;
    }
    let default_port = match scheme {
        "https" => ":443",
        _ => ":80",
    };
    host.strip_suffix(default_port) == Some(authority)
}

/// Middleware: `421` for a `Host` the proxy does not answer.
pub async fn middleware(
    State(public): State<Arc<PublicOrigins>>,
    request: Request,
    next: Next,
) -> Response {
    let answered = request.uri().path() == "/healthz"
        || request_host(request.headers(), request.uri()).is_some_and(|h| public.answers(h));
    if answered {
        next.run(request).await
    } else {
        misdirected().into_response()
    }
}

fn misdirected() -> ApiError {
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        "PROXY.0421",
        "Misdirected request: this proxy does not answer for this host name. \
         Its operator names the proxy's public origins with --public-origin.",
    )
}

/// `localhost`, 127.0.0.0/8 or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> PublicOrigins {
        PublicOrigins(vec![
            "https://status.example.com".into(),
            "http://intranet.example:8080".into(),
        ])
    }

    #[test]
    fn public_hosts_loopback_and_addresses_are_answered() {
        let p = public();
        for host in [
            "status.example.com",
            "Status.Example.COM",
            "status.example.com:443",
            "intranet.example:8080",
            "localhost",
            "localhost:9009",
            "127.0.0.1:9009",
            "127.0.0.2",
            "10.0.0.5:9009",
            "[::1]:9009",
            "[::1]",
            "[2001:db8::1]:80",
        ] {
            assert!(p.answers(host), "{host}");
        }
    }

    #[test]
    fn other_names_are_refused() {
        let p = public();
        for host in [
            "rebind.attacker.example",
            "rebind.attacker.example:9009",
            "status.example.com.attacker.example",
            "status.example.com:8443",
            "intranet.example",
            "intranet.example:80",
            "localhost.",
            "localhost.attacker.example",
            "127.0.0.1.nip.example",
            "::1",
            "127.0.0.1:",
            "127.0.0.1:99999999",
            "",
            ":9009",
        ] {
            assert!(!p.answers(host), "{host}");
        }
        assert!(!PublicOrigins::default().answers("status.example.com"));
    }

    #[test]
    fn own_origins_come_from_the_list_or_a_local_host() {
        let p = public();
        assert!(p.is_own("https://status.example.com", Some("status.example.com")));
        // Whatever Host the request carries, the list is the list.
        assert!(p.is_own("https://status.example.com", Some("10.0.0.5")));
        assert!(p.is_own("http://127.0.0.1:9009", Some("127.0.0.1:9009")));
        assert!(p.is_own("http://localhost", Some("localhost:80")));
        assert!(p.is_own("http://[::1]:9009", Some("[::1]:9009")));
        // A rebound name is never own, even with a matching Host.
        assert!(!p.is_own(
            "http://rebind.attacker.example",
            Some("rebind.attacker.example")
        ));
        assert!(!p.is_own("http://status.example.com", Some("status.example.com")));
        assert!(!p.is_own("http://127.0.0.1:9009", Some("127.0.0.1:9010")));
        assert!(!p.is_own("http://127.0.0.1:9009", None));
    }
}
