//! The project's driver: `cargo xtask demo`, `cargo xtask test`, and the
//! commands of [`Task`], one file each.
//!
//! Every command first installs what this machine lacks (wasm target,
//! wasm-bindgen-cli matching Cargo.lock, trunk, wasm-opt, Chromium, Firefox
//! ESR and WebKitGTK with their WebDriver servers, Xvfb, the e2e tests' npm
//! packages) and skips what is already there.

mod apps;
mod bench;
mod breakdown;
mod compress;
mod demo;
mod engine;
mod layers;
mod minify;
mod mock;
mod package;
mod release;
mod screenshots;
mod setup;
mod site;
mod size;
mod test;

use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode};

use clap::Parser;

type Result<T = ()> = std::result::Result<T, String>;

/// The project's driver. Every command installs what this machine lacks
/// first.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
enum Task {
    /// Start the mock backend and `trunk serve`, print the demo URL; Ctrl-C
    /// stops both.
    Demo,
    /// Run every test: native, then wasm and end-to-end (release build) in
    /// Chromium, Firefox and WebKit.
    Test,
    /// Only install what is missing.
    Setup,
    /// Build the release widget into dist/ (what portals serve).
    Build,
    /// Build the release widget and print its transfer size.
    Size {
        /// Also show where the wasm's bytes go, by item and crate (twiggy),
        /// and write it into BENCHMARKS.md.
        #[arg(long)]
        breakdown: bool,
    },
    /// Build the release widget and pack it for npm:
    /// target/npm/modelarts-sync-status-<version>.tgz.
    Package,
    /// Build the release widget and render docs/screenshots/*.png.
    Screenshots,
    /// Measure the release widget against a minimal Leptos baseline and
    /// against React + TanStack Query and plain-JS peers in headless
    /// Chromium; write BENCHMARKS.md; fail when a budget is missed.
    Bench,
    /// Trunk.toml's post-build hook: terser on a release's JS.
    Minify,
}

fn main() -> ExitCode {
    let result = match Task::parse() {
        Task::Demo => demo::demo(),
        Task::Test => test::test(),
        Task::Setup => setup::ensure_all().map(|_| ()),
        Task::Build => release::build(),
        Task::Size { breakdown } => release::size(breakdown),
        Task::Package => package::package(),
        Task::Screenshots => screenshots::screenshots(),
        Task::Bench => bench::bench(),
        Task::Minify => minify::trunk_hook(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The files under `top`, descending only into the folders `enter` accepts.
pub fn files_under(top: &Path, enter: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = vec![top.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for path in entries.flatten().map(|entry| entry.path()) {
            if !path.is_dir() {
                files.push(path);
            } else if enter(&path) {
                dirs.push(path);
            }
        }
    }
    Ok(files)
}

/// Runs a command to completion in the workspace root; fails on non-zero.
pub fn run(cmd: &mut std::process::Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {shown}");
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

pub fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// A child process killed when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A fresh, empty folder for one test, removed by the test when done.
#[cfg(test)]
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
