//! The binary as tools run it: the first stdout line, start-up errors,
//! `--help`, graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_modelarts-sync-proxy");
const CREDENTIAL_VARS: &[&str] = &[
    "MODELARTS_TOKEN",
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
];

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env("RUST_LOG", "warn");
    for var in CREDENTIAL_VARS {
        c.env_remove(var);
    }
    c
}

/// A child killed when dropped (only this test's own process).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and reads its address from the first stdout line.
fn start(args: &[&str]) -> (Running, String) {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    (running, url)
}

/// A blocking GET over a plain socket (no client library needed here).
fn get(url: &str, path: &str) -> String {
    request(url, "GET", path, "")
}

/// A blocking request with extra header lines (each ending in `\r\n`).
fn request(url: &str, method: &str, path: &str, headers: &str) -> String {
    let addr = url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    use std::io::Write;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn sigterm_exits_within_the_grace_whatever_a_client_holds() {
    // The header timeout is longer than the test: only the grace can end
    // the half-sent request.
    let (mut running, url) = start(&[
        "--listen",
        "127.0.0.1:0",
        "--header-timeout",
        "60",
        "--shutdown-grace",
        "1",
    ]);
    let addr = url.strip_prefix("http://").unwrap();
    let mut held = std::net::TcpStream::connect(addr).unwrap();
    use std::io::Write;
    held.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = running.0.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let start = Instant::now();
    let status = wait_exit(&mut running.0, Duration::from_secs(10))
        .expect("still running 10 s after SIGTERM");
    let took = start.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        took < Duration::from_secs(3),
        "exited after {took:?}, grace 1 s"
    );
    // The held connection was closed, not left to the kernel's timeout.
    held.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut rest = Vec::new();
    let _ = held.read_to_end(&mut rest);
}

#[test]
fn mock_mode_prints_its_address_first_and_answers() {
    let (_running, url) = start(&["--listen", "127.0.0.1:0"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let answer = get(&url, "/healthz");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = get(&url, "/api/v2/p/datasets/status-failed/sync-data/status");
    assert!(answer.contains("\"FAILED\""), "{answer}");
    let answer = get(&url, "/__mock/requests");
    assert!(answer.contains("\"status-failed\":1"), "{answer}");
}

#[test]
fn upstream_without_credentials_exits_with_a_clear_message() {
    let output = command(&[
        "--upstream",
        "https://modelarts.cn-north-4.myhuaweicloud.com",
        "--listen",
        "127.0.0.1:0",
    ])
    .output()
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MODELARTS_TOKEN"), "{stderr}");
    assert!(stderr.contains("HUAWEICLOUD_SDK_AK"), "{stderr}");
    assert!(output.stdout.is_empty(), "it must not start listening");
}

#[test]
fn upstream_with_a_token_starts_and_never_logs_it() {
    let mut child = command(&[
        "--upstream",
        "http://127.0.0.1:9",
        "--listen",
        "127.0.0.1:0",
        "--upstream-timeout",
        "1",
    ])
    .env("MODELARTS_TOKEN", "very-secret-token-value")
    .env("RUST_LOG", "debug")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    // Port 9 (discard) has no server here: a 502 (or 504), logged.
    let answer = get(&url, "/v2/p/datasets/d/sync-data/status");
    assert!(
        answer.starts_with("HTTP/1.1 502") || answer.starts_with("HTTP/1.1 504"),
        "{answer}"
    );
    assert!(!answer.contains("very-secret-token-value"));
    // SIGTERM: a graceful exit, status 0.
    let pid = running.0.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let status =
        wait_exit(&mut running.0, Duration::from_secs(10)).expect("did not exit on SIGTERM");
    assert!(status.success(), "{status:?}");
    let mut logs = String::new();
    stderr.read_to_string(&mut logs).unwrap();
    assert!(logs.contains("mode: upstream"), "{logs}");
    assert!(logs.contains("status=5"), "one line per request: {logs}");
    assert!(!logs.contains("very-secret-token-value"), "{logs}");
}

#[test]
fn each_sync_trigger_is_one_log_line_with_dataset_origin_and_result() {
    let mut child = command(&[
        "--mock",
        "--allow-sync",
        "--listen",
        "127.0.0.1:0",
        "--log-format",
        "json",
    ])
    .env("RUST_LOG", "info")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let own = url.clone();
    let path = "/v2/p/datasets/done-1/sync-data";
    let xrw = "X-Requested-With: XMLHttpRequest\r\n";
    let answer = request(&url, "POST", path, &format!("{xrw}Origin: {own}\r\n"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = request(&url, "POST", path, xrw);
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    let answer = request(&url, "POST", path, "Origin: https://evil.example\r\n");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let pid = running.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    wait_exit(&mut running.0, Duration::from_secs(10)).expect("did not exit on SIGTERM");
    let lines: Vec<serde_json::Value> = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .filter(|v: &serde_json::Value| v["action"] == "sync")
        .collect();
    let seen: Vec<_> = lines
        .iter()
        .map(|v| {
            (
                v["dataset"].as_str().unwrap_or_default(),
                v["origin"].as_str(),
                v["result"].as_str().unwrap_or_default(),
                v["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("done-1", Some(own.as_str()), "started", 200),
            ("done-1", None, "cooldown", 429),
            ("done-1", Some("https://evil.example"), "cross-site", 403),
        ],
        "{lines:?}"
    );
}

#[test]
fn help_documents_the_environment() {
    let output = command(&["--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--upstream",
        "--rate-limit",
        "--cache-ttl",
        "--upstream-timeout",
        "--project",
        "--allow-origin",
        "--static",
        "--allow-sync",
        "--sync-cooldown",
        "MODELARTS_TOKEN",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}
