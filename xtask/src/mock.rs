//! The mock backend as the commands start it: the proxy's `--mock`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::{cargo, root, run, Guard, Result};

/// Builds and starts the mock backend (a debug build); returns it and its
/// base URL.
pub fn start_mock(listen: &str, extra: &[&str]) -> Result<(Guard, String)> {
    start_mock_built(false, listen, extra)
}

/// The same, as a release build when `release` (the benchmark measures the
/// widget, not an unoptimised server).
pub fn start_mock_built(release: bool, listen: &str, extra: &[&str]) -> Result<(Guard, String)> {
    let mut build = cargo();
    build.args(["build", "--quiet", "-p", "modelarts-sync-proxy"]);
    if release {
        build.arg("--release");
    }
    run(&mut build)?;
    let profile = if release { "release" } else { "debug" };
    let bin = root()
        .join("target")
        .join(profile)
        .join("modelarts-sync-proxy");
    let mut child = Command::new(&bin)
        .args(["--mock", "--listen", listen])
        .args(extra)
        .current_dir(root())
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("mock has no stdout")?;
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading the mock's address: {e}"))?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("the mock did not start: {line:?}"))?
        .to_owned();
    Ok((guard, url))
}
