//! Connection hygiene on real sockets: slow and greedy clients cannot hold
//! the proxy, and each connection is bounded in time.
//!
//! Clients bind to other loopback addresses (127.0.0.2, …): on Linux the
//! whole 127.0.0.0/8 is local, so one test can be several clients.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use modelarts_sync_proxy::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A connection from `from` (a loopback address) to the proxy.
async fn connect_from(from: &str, proxy: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(proxy).await.unwrap()
}

/// How long until the proxy closes `stream` (reads and drops what it sends),
/// or `None` if it is still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buffer = [0; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return start.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

/// The first bytes of a request, never finished.
const HALF_A_REQUEST: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

fn with_limits(limits: ConnectionLimits) -> modelarts_sync_proxy::Settings {
    let mut settings = mock_settings();
    settings.connections = limits;
    settings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_slow_connections_from_one_address_leave_others_served() {
    let proxy = start_proxy(mock_settings()).await;
    let limit = ConnectionLimits::default().max_connections_per_client;

    let mut slow = Vec::new();
    for _ in 0..2_000 {
        let mut stream = connect_from("127.0.0.2", proxy).await;
        // A refused connection may be closed before this write lands.
        let _ = stream.write_all(HALF_A_REQUEST).await;
        slow.push(stream);
    }
    // Those beyond the per-client cap are closed at once; the others wait.
    let mut closed = 0;
    for stream in &mut slow {
        if closed_within(stream, Duration::from_millis(20))
            .await
            .is_some()
        {
            closed += 1;
        }
    }
    assert_eq!(
        closed,
        2_000 - limit,
        "all but {limit} of one client's connections closed at once"
    );

    // Another client is answered at once, on a new connection.
    let start = Instant::now();
    let r = raw(proxy, "GET", "/healthz", &[]).await;
    assert_eq!(r.status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // And the slow client gets in again as soon as it lets go.
    drop(slow);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = connect_from("127.0.0.2", proxy).await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(LIMIT, again.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn half_sent_trickled_and_idle_connections_close_after_the_header_timeout() {
    let timeout = Duration::from_millis(500);
    let proxy = start_proxy(with_limits(ConnectionLimits {
        header_timeout: timeout,
        ..ConnectionLimits::default()
    }))
    .await;

    // Half a request, then silence.
    let mut half = connect_from("127.0.0.1", proxy).await;
    half.write_all(HALF_A_REQUEST).await.unwrap();
    let after = closed_within(&mut half, LIMIT).await.expect("still open");
    assert!(after >= timeout - Duration::from_millis(50), "{after:?}");
    assert!(after < timeout * 4, "{after:?}");

    // One header byte every 100 ms: the bytes do not restart the clock.
    let mut trickle = connect_from("127.0.0.1", proxy).await;
    trickle.write_all(HALF_A_REQUEST).await.unwrap();
    let start = Instant::now();
    let closed = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if trickle.write_all(b"x").await.is_err() || start.elapsed() > LIMIT {
            break start.elapsed();
        }
        if let Some(after) = closed_within(&mut trickle, Duration::from_millis(1)).await {
            break start.elapsed().max(after);
        }
    };
    assert!(
        closed < timeout * 4,
        "a trickle held a connection {closed:?}"
    );

    // A keep-alive connection after its answer, idle.
    let mut idle = connect_from("127.0.0.1", proxy).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0; 12];
    idle.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    let after = closed_within(&mut idle, LIMIT).await.expect("idle kept");
    assert!(after < timeout * 4, "{after:?}");

    // A whole request sent at once is answered as ever.
    assert_eq!(raw(proxy, "GET", "/healthz", &[]).await.status, 200);
}

#[tokio::test]
async fn the_caps_per_client_and_in_total_close_the_connection_beyond() {
    let proxy = start_proxy(with_limits(ConnectionLimits {
        max_connections_per_client: 3,
        max_connections: 5,
        ..ConnectionLimits::default()
    }))
    .await;

    let mut first: Vec<_> = Vec::new();
    for _ in 0..3 {
        first.push(connect_from("127.0.0.2", proxy).await);
    }
    let mut fourth = connect_from("127.0.0.2", proxy).await;
    assert!(closed_within(&mut fourth, Duration::from_secs(2))
        .await
        .is_some());
    for stream in &mut first {
        assert!(closed_within(stream, Duration::from_millis(50))
            .await
            .is_none());
    }

    // Another client has its own share, up to the total of 5.
    let mut second = Vec::new();
    for _ in 0..2 {
        second.push(connect_from("127.0.0.3", proxy).await);
    }
    let mut sixth = connect_from("127.0.0.4", proxy).await;
    assert!(closed_within(&mut sixth, Duration::from_secs(2))
        .await
        .is_some());

    // Places come back when connections close.
    drop(first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(raw(proxy, "GET", "/healthz", &[]).await.status, 200);
}

#[tokio::test]
async fn a_client_that_does_not_read_is_closed_after_the_write_timeout() {
    // A file far larger than the sockets' buffers, so the write blocks.
    let dir = std::env::temp_dir().join(format!("mss-proxy-write-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("big.bin"), vec![0u8; 64 << 20]).unwrap();
    let mut settings = with_limits(ConnectionLimits {
        write_timeout: Duration::from_millis(500),
        max_connections_per_client: 1,
        ..ConnectionLimits::default()
    });
    settings.static_dir = Some(dir.clone());
    let proxy = start_proxy(settings).await;

    let mut reader = connect_from("127.0.0.2", proxy).await;
    reader
        .write_all(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    // The client's one place is taken while the proxy waits to write...
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut other = connect_from("127.0.0.2", proxy).await;
    assert!(closed_within(&mut other, Duration::from_secs(2))
        .await
        .is_some());
    // ...and given back once the write timeout has closed the connection.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let mut after = connect_from("127.0.0.2", proxy).await;
    after
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(LIMIT, after.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(reader);
    let _ = std::fs::remove_dir_all(&dir);
}
