//! The browser engines the tests run in, and how to drive each.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::thread;
use std::time::Duration;

use crate::{root, setup, Result};

/// A browser engine the tests run in.
#[derive(Clone, Copy)]
pub enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// As `E2E_BROWSER` names it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// `node` with these arguments, told which engine to drive and where it
    /// is; WebKit's under an X server of its own (`xvfb-run`).
    pub fn node(self, tools: &setup::Tools, base_url: &str, args: &[&str]) -> Command {
        let mut cmd = match self {
            Engine::WebKit => {
                let mut cmd = Command::new(&tools.webkit.xvfb_run);
                cmd.args(["-a", "-s", "-screen 0 1024x768x24", "node"]);
                cmd
            }
            _ => Command::new("node"),
        };
        cmd.args(args)
            .env("BASE_URL", base_url)
            .env("E2E_BROWSER", self.name())
            .env("CHROMIUM", &tools.chromium)
            .env("CHROMEDRIVER", &tools.chromedriver)
            .env("FIREFOX", &tools.firefox.binary)
            .env("GECKODRIVER", &tools.firefox.geckodriver)
            .env("WEBKIT_DRIVER", &tools.webkit.driver)
            .env("MINIBROWSER", &tools.webkit.minibrowser)
            // For a test that stops a proxy of its own (tests/e2e/sync.test.mjs).
            .env("MOCK_BIN", root().join("target/debug/modelarts-sync-proxy"));
        cmd
    }
}

/// A process group (xvfb-run, its X server and what it runs) ended when
/// dropped.
pub struct GroupGuard(Child);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// WebKitWebDriver on a free port under `xvfb-run`; its URL.
pub fn start_webkit_driver(webkit: &setup::WebKit) -> Result<(GroupGuard, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let child = Command::new(&webkit.xvfb_run)
        .args(["-a", "-s", "-screen 0 1024x768x24"])
        .arg(&webkit.driver)
        .arg(format!("--port={port}"))
        // Killing xvfb-run must take the driver and X server along.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", webkit.driver.display()))?;
    let guard = GroupGuard(child);
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok((guard, url));
        }
        thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{} did not listen within 10 s",
        webkit.driver.display()
    ))
}
