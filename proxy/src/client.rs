//! Who the client is: the connection's address, or, when the connection
//! comes from a front the operator trusts (`--trusted-proxy CIDR`), the
//! address that front says it received the request from (`X-Forwarded-For`).
//!
//! The header is read right to left and the first address not in a trusted
//! range is the client: each trusted front appends the address it saw, so
//! everything to the left of that address was written by the client (and may
//! be forged), everything to the right by fronts the operator runs. A
//! connection from any other address is its own client, whatever its
//! headers say (as without `--trusted-proxy`).
//!
//! [`middleware`] resolves the address once per request; the rate limits and
//! the access log read it with [`client_ip`].

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// Addresses read from `X-Forwarded-For` at most (a longer header is cut at
/// its right end: the part the trusted fronts wrote).
const MAX_HOPS: usize = 32;

/// An address range, `192.0.2.0/24` or `2001:db8::/32` (a bare address is
/// the range of that address alone). An IPv4-mapped IPv6 address is the
/// IPv4 address, in the range and in what it contains (a dual-stack
/// listener).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr(IpNet);

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| "not an address range like 10.0.0.0/8 or fd00::/8".to_owned())?;
        let network = network.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let bad_prefix = || format!("the prefix length must be 0 to {bits}");
        let prefix = match prefix {
            None => bits,
            // Plain decimal: "08" or "+8" are refused.
            Some(p)
                if p == "0" || (p.bytes().all(|b| b.is_ascii_digit()) && !p.starts_with('0')) =>
            {
                p.parse::<u8>().map_err(|_| bad_prefix())?
            }
            Some(_) => return Err(bad_prefix()),
        };
        let net = IpNet::new(network, prefix).map_err(|_| bad_prefix())?;
        // 10.1.2.3/8 is almost certainly a typo for 10.0.0.0/8 or 10.1.2.3/32.
        if net.trunc() != net {
            return Err(format!("host bits are set: did you mean {}?", net.trunc()));
        }
        Ok(Self(net))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The `--trusted-proxy` ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|cidr| cidr.contains(ip))
    }

    /// The client of a request that came from `peer` with these headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        // Every X-Forwarded-For line, in order, as one list.
        let mut hops: Vec<&str> = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(value) = value.to_str() else {
                return peer;
            };
            hops.extend(value.split(','));
        }
        let start = hops.len().saturating_sub(MAX_HOPS);
        let mut client = peer;
        for hop in hops[start..].iter().rev() {
            match parse_hop(hop) {
                Some(ip) if self.trusts(ip) => client = ip,
                Some(ip) => return ip,
                // Not an address where a trusted front should have written
                // one: the last trusted hop is as far as the chain is known.
                None => return client,
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`) or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(addr) = hop.parse::<SocketAddr>() {
        return Some(addr.ip().to_canonical());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

/// The client address of a request, as [`middleware`] resolved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Middleware (outermost): resolves the client once, for every layer after
/// (0.0.0.0 when served without connect info).
pub async fn middleware(
    State(trusted): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let client = match peer {
        Some(peer) => trusted.client(peer, request.headers()),
        None => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
    };
    request.extensions_mut().insert(ClientIp(client));
    next.run(request).await
}

/// The client's address: as resolved by [`middleware`], else the
/// connection's. Unknown when served without connect info.
pub fn client_ip(request: &Request) -> Option<IpAddr> {
    if let Some(ClientIp(ip)) = request.extensions().get::<ClientIp>() {
        return Some(*ip);
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn cidr(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn ranges_parse_and_match() {
        assert!(cidr("10.0.0.0/8").contains(ip("10.255.1.2")));
        assert!(!cidr("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(cidr("192.0.2.7").contains(ip("192.0.2.7")));
        assert!(!cidr("192.0.2.7").contains(ip("192.0.2.8")));
        assert!(cidr("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(!cidr("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(cidr("fd00::/8").contains(ip("fd12::1")));
        assert!(!cidr("fd00::/8").contains(ip("fe80::1")));
        // An IPv4-mapped IPv6 address is the IPv4 address (a dual-stack listener).
        assert!(cidr("127.0.0.0/8").contains(ip("::ffff:127.0.0.1")));
        for bad in [
            "",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/x",
            "10.0.0.0/08",
            "10.0.0.0/+8",
            "10.1.2.3/8",
            "fd00::1/8",
            "example.com",
            "10.0.0/8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?} was accepted");
        }
        assert_eq!(cidr("10.0.0.0/8").to_string(), "10.0.0.0/8");
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        let headers = xff(&["198.51.100.1"]);
        assert_eq!(none.client(ip("192.0.2.1"), &headers), ip("192.0.2.1"));
        let some = TrustedProxies(vec![cidr("10.0.0.0/8")]);
        assert_eq!(some.client(ip("192.0.2.1"), &headers), ip("192.0.2.1"));
    }

    #[test]
    fn a_trusted_peer_names_the_right_most_untrusted_address() {
        let trusted = TrustedProxies(vec![cidr("10.0.0.0/8"), cidr("127.0.0.1")]);
        let peer = ip("127.0.0.1");
        // The client wrote "1.1.1.1" (forged); the front appended the real one.
        let headers = xff(&["1.1.1.1, 198.51.100.7"]);
        assert_eq!(trusted.client(peer, &headers), ip("198.51.100.7"));
        // Two fronts: the inner one is trusted too.
        let headers = xff(&["1.1.1.1, 198.51.100.7, 10.1.2.3"]);
        assert_eq!(trusted.client(peer, &headers), ip("198.51.100.7"));
        // Several header lines are one list.
        let headers = xff(&["1.1.1.1", "198.51.100.7", "10.1.2.3"]);
        assert_eq!(trusted.client(peer, &headers), ip("198.51.100.7"));
        // Ports and brackets.
        let headers = xff(&["[2001:db8::5]:4711"]);
        assert_eq!(trusted.client(peer, &headers), ip("2001:db8::5"));
        let headers = xff(&["198.51.100.7:4711"]);
        assert_eq!(trusted.client(peer, &headers), ip("198.51.100.7"));
        // No header: the front itself.
        assert_eq!(trusted.client(peer, &HeaderMap::new()), peer);
        // Only trusted addresses: the left-most of them.
        let headers = xff(&["10.9.9.9, 10.1.2.3"]);
        assert_eq!(trusted.client(peer, &headers), ip("10.9.9.9"));
        // Junk where the front writes: the last trusted hop.
        let headers = xff(&["198.51.100.7, junk"]);
        assert_eq!(trusted.client(peer, &headers), peer);
        let headers = xff(&["junk, 10.1.2.3"]);
        assert_eq!(trusted.client(peer, &headers), ip("10.1.2.3"));
        // The peer as an IPv4-mapped IPv6 address is trusted the same.
        let headers = xff(&["198.51.100.7"]);
        assert_eq!(
            trusted.client(ip("::ffff:127.0.0.1"), &headers),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_long_header_is_read_from_its_right_end() {
        let trusted = TrustedProxies(vec![cidr("10.0.0.0/8")]);
        let mut hops = vec!["10.0.0.1"; 100];
        hops.insert(0, "198.51.100.7");
        let headers = xff(&[&hops.join(",")]);
        // Past MAX_HOPS trusted hops, the left-most one read is the client.
        assert_eq!(trusted.client(ip("10.0.0.2"), &headers), ip("10.0.0.1"));
    }
}
