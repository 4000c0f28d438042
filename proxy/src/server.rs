//! The listener: accepts connections and serves each one with hyper, bounded
//! in time and in number, so that no client can hold the proxy.
//!
//! - **Header timeout** (`--header-timeout`): hyper's `header_read_timeout`.
//!   hyper starts it as soon as a connection waits for a request (a new one,
//!   or a keep-alive one between two requests) and stops it when the head is
//!   read, so a half-sent request, headers sent a byte at a time and an idle
//!   keep-alive connection are all closed once it has passed.
//! - **Write timeout** (`--write-timeout`): a write the client does not take
//!   for that long (a client that does not read) closes the connection
//!   (tokio-io-timeout around the socket).
//! - **Connection caps** (`--max-connections`, `--max-connections-per-client`):
//!   a connection beyond either is closed at once. A client is an address
//!   (IPv6 per /64, as the rate limits count); a `--trusted-proxy` front
//!   counts only against the total, since it carries many clients.
//! - **Accept errors** (out of file descriptors, say) are logged, one line
//!   per [`LOG_EVERY`] at most with the count since the last one, and the
//!   loop waits a moment before accepting again, as `axum::serve` does.
//! - **Shutdown**: no new connections; the requests under way finish; a
//!   connection still open after `--shutdown-grace` is cut.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_io_timeout::TimeoutStream;
use tower_service::Service;

use crate::client::TrustedProxies;
use crate::metrics::Metrics;
use crate::rate_limit::bucket_key;

pub const DEFAULT_HEADER_TIMEOUT_SECS: f64 = 10.0;
pub const DEFAULT_WRITE_TIMEOUT_SECS: f64 = 30.0;
/// Far above what one portal page opens (browsers keep at most 6
/// connections per origin over HTTP/1.1), with room for an office behind
/// one address.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: u32 = 256;
/// Below the `LimitNOFILE` of docs/deploy.md's unit (65,536), with room for
/// the upstream's and Redis' connections.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 16_384;
pub const DEFAULT_SHUTDOWN_GRACE_SECS: f64 = 10.0;
/// At most one log line about refused connections or accept errors per this.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// How long and how many connections may be held (see the module's doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub write_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    pub shutdown_grace: Duration,
    /// Fronts counted only against the total (`--trusted-proxy`).
    pub trusted_proxies: TrustedProxies,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs_f64(DEFAULT_HEADER_TIMEOUT_SECS),
            write_timeout: Duration::from_secs_f64(DEFAULT_WRITE_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS as usize,
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT as usize,
            shutdown_grace: Duration::from_secs_f64(DEFAULT_SHUTDOWN_GRACE_SECS),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then for at most
/// the grace. Client addresses reach the handlers as `ConnectInfo`.
pub async fn serve_on(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Slots::new(&limits);
    let graceful = GracefulShutdown::new();
    // Dropped on return: whatever is still open then is cut.
    let mut connections = JoinSet::new();
    let mut log = Throttled::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !is_connection_error(&e) {
                        log.note(|n| tracing::error!(error = %e, errors = n, "cannot accept connections"));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
        };
        // Reap the tasks of closed connections, so the set stays as big as
        // what is open.
        while connections.try_join_next().is_some() {}
        let Some(slot) = slots.take(peer.ip()) else {
            metrics.connection_refused();
            log.note(|n| {
                tracing::warn!(client = %peer.ip(), refused = n, "too many connections: closed at once")
            });
            drop(stream);
            continue;
        };
        let connection = serve_connection(stream, peer, router.clone(), &limits);
        let connection = graceful.watch(connection);
        metrics.connection_opened();
        let open = Arc::clone(&metrics);
        connections.spawn(async move {
            let _slot = slot;
            let _open = Open(open);
            // An error is the client's (reset, timeout): nothing to report.
            let _ = connection.await;
        });
    }
    drop(listener);
    tracing::info!(
        open = connections.len(),
        grace_s = limits.shutdown_grace.as_secs_f64(),
        "shutting down: finishing the requests under way"
    );
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            cut = connections.len(),
            "shutdown grace over: closing what is still open"
        );
    }
    connections.shutdown().await;
    Ok(())
}

/// One HTTP/1.1 connection, with the timeouts and the client's address.
fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: &ConnectionLimits,
) -> impl hyper_util::server::graceful::GracefulConnection + Send {
    let _ = stream.set_nodelay(true);
    let mut stream = TimeoutStream::new(stream);
    stream.set_write_timeout(Some(limits.write_timeout));
    let io = TokioIo::new(Box::pin(stream));
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().call(request)
    });
    hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(io, service)
}

/// An open connection in the metrics, until dropped (also when the
/// shutdown cuts its task).
struct Open(Arc<Metrics>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}

/// Errors of one connection that was being accepted, not of the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Open connections per client key.
type PerClient = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// The open connections: in total, and per client.
struct Slots {
    total: Arc<Semaphore>,
    per_client: PerClient,
    max_per_client: usize,
    trusted: TrustedProxies,
}

/// A place taken by one open connection, given back when dropped.
struct Slot {
    _total: OwnedSemaphorePermit,
    client: Option<(IpAddr, PerClient)>,
}

impl Slots {
    fn new(limits: &ConnectionLimits) -> Self {
        Self {
            total: Arc::new(Semaphore::new(limits.max_connections)),
            per_client: Arc::default(),
            max_per_client: limits.max_connections_per_client,
            trusted: limits.trusted_proxies.clone(),
        }
    }

    /// A place for a connection from `peer`, if the caps leave one.
    fn take(&self, peer: IpAddr) -> Option<Slot> {
        let total = Arc::clone(&self.total).try_acquire_owned().ok()?;
        let peer = peer.to_canonical();
        if self.trusted.trusts(peer) {
            return Some(Slot {
                _total: total,
                client: None,
            });
        }
        let key = bucket_key(peer);
        let mut open = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key).or_insert(0);
        if *count >= self.max_per_client {
            return None;
        }
        *count += 1;
        Some(Slot {
            _total: total,
            client: Some((key, Arc::clone(&self.per_client))),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((key, per_client)) = &self.client {
            let mut open = per_client.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(count) = open.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

/// Log lines that a flood would repeat: one per [`LOG_EVERY`], with the
/// number of events since the last line.
#[derive(Default)]
struct Throttled {
    last: Option<Instant>,
    since: u64,
}

impl Throttled {
    fn note(&mut self, line: impl FnOnce(u64)) {
        self.since += 1;
        let now = Instant::now();
        if self
            .last
            .is_none_or(|last| now.duration_since(last) >= LOG_EVERY)
        {
            line(self.since);
            self.last = Some(now);
            self.since = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_client: usize, total: usize) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: total,
            max_connections_per_client: per_client,
            trusted_proxies: TrustedProxies(vec!["10.0.0.1".parse().unwrap()]),
            ..ConnectionLimits::default()
        }
    }

    #[test]
    fn a_client_gets_its_share_and_gets_it_back() {
        let slots = Slots::new(&limits(2, 10));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let first = slots.take(a).unwrap();
        let _second = slots.take(a).unwrap();
        assert!(slots.take(a).is_none());
        assert!(slots.take("192.0.2.2".parse().unwrap()).is_some());
        drop(first);
        assert!(slots.take(a).is_some());
    }

    #[test]
    fn ipv6_clients_count_per_64_and_mapped_v4_as_v4() {
        let slots = Slots::new(&limits(1, 10));
        let _one = slots.take("2001:db8::1".parse().unwrap()).unwrap();
        assert!(slots.take("2001:db8::2".parse().unwrap()).is_none());
        let _v4 = slots.take("192.0.2.1".parse().unwrap()).unwrap();
        assert!(slots.take("::ffff:192.0.2.1".parse().unwrap()).is_none());
    }

    #[test]
    fn the_total_holds_for_everyone_and_fronts_count_only_there() {
        let slots = Slots::new(&limits(1, 3));
        let front: IpAddr = "10.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..3).map(|_| slots.take(front).unwrap()).collect();
        assert!(slots.take("192.0.2.9".parse().unwrap()).is_none());
        drop(held);
        let _client = slots.take("192.0.2.9".parse().unwrap()).unwrap();
        // Only the client is in the per-client table; the front never was.
        assert_eq!(slots.per_client.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_flood_of_events_is_one_line_with_its_count() {
        let mut log = Throttled::default();
        let mut lines = Vec::new();
        for _ in 0..1000 {
            log.note(|n| lines.push(n));
        }
        assert_eq!(lines, vec![1]);
        log.last = Some(Instant::now() - LOG_EVERY);
        log.note(|n| lines.push(n));
        assert_eq!(lines, vec![1, 1000]);
    }
}
