//! Installs what a fresh machine lacks, following docs/toolchain notes:
//! each check is quick, each install happens only when the check fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run, Result};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132";
pub const TERSER_VERSION: &str = "5.51.4";
/// Bundles the wasm-bindgen snippets into the JS glue (minify.rs); the
/// bench's peers are built with the same version (bench/peers/package.json).
pub const ESBUILD_VERSION: &str = "0.28.2";
pub const GECKODRIVER_VERSION: &str = "0.37.1";
/// For `cargo xtask size --breakdown` only: installed when asked for.
pub const TWIGGY_VERSION: &str = "0.8.0";
/// The oldest Firefox ESR and WebKitGTK the tests are known to pass in
/// (Debian's; the README's supported versions).
pub const FIREFOX_ESR_MIN: u32 = 140;
pub const WEBKITGTK_MIN: (u32, u32) = (2, 50);
/// Where Debian's webkit2gtk-driver finds the browser it drives.
const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/// What the release build needs.
pub struct BuildTools {
    pub trunk: PathBuf,
    /// Folders to put first on PATH (wasm-opt from npm's binaryen, cargo's bin).
    pub extra_path: Vec<PathBuf>,
}

impl BuildTools {
    /// PATH with the project's tool folders first.
    pub fn path_env(&self) -> std::ffi::OsString {
        let mut parts = self.extra_path.clone();
        if let Some(path) = std::env::var_os("PATH") {
            parts.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(parts).unwrap_or_default()
    }
}

/// Everything: the build's tools, and the browsers the tests drive.
pub struct Tools {
    pub build: BuildTools,
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub firefox: Firefox,
    pub webkit: WebKit,
}

/// Firefox ESR and its WebDriver server.
pub struct Firefox {
    pub binary: PathBuf,
    pub geckodriver: PathBuf,
}

/// WebKitGTK's WebDriver server, the browser it starts, and `xvfb-run`
/// (MiniBrowser needs an X server; its `--headless` hangs the session).
pub struct WebKit {
    pub driver: PathBuf,
    pub minibrowser: PathBuf,
    pub xvfb_run: PathBuf,
}

/// The first line a tool prints for `--version`, if it runs.
pub fn version_of(program: &Path, arg: &str) -> Option<String> {
    let out = Command::new(program).arg(arg).output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    })
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cargo"))
        .join("bin")
}

/// A cache outside the clone, so fresh clones reuse installed tools.
fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cache"))
        .join("modelarts-sync-status")
}

/// The wasm-bindgen version Cargo.lock pins: the CLI must match it exactly.
pub fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
            {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

pub fn ensure_all() -> Result<Tools> {
    let build = ensure_build()?;
    let (chromium, chromedriver) = ensure_chromium()?;
    ensure_redis()?;
    let firefox = ensure_firefox()?;
    let webkit = ensure_webkit()?;
    ensure_e2e_packages()?;
    Ok(Tools {
        build,
        chromium,
        chromedriver,
        firefox,
        webkit,
    })
}

/// Only what `cargo xtask build` needs (a build host has no use for a
/// browser).
pub fn ensure_build() -> Result<BuildTools> {
    ensure_wasm_target()?;
    let bin = cargo_bin();
    ensure_wasm_bindgen(&bin)?;
    let trunk = ensure_trunk(&bin)?;
    let wasm_opt_dir = ensure_wasm_opt()?;
    // For Trunk.toml's post-build hook (`cargo xtask minify`).
    ensure_terser()?;
    ensure_esbuild()?;
    Ok(BuildTools {
        trunk,
        extra_path: vec![wasm_opt_dir, bin],
    })
}

fn ensure_wasm_target() -> Result {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup: {e}"))?;
    if String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_wasm_bindgen(bin: &Path) -> Result {
    let want = locked_wasm_bindgen()?;
    let have = version_of(&bin.join("wasm-bindgen"), "--version").unwrap_or_default();
    let runner = bin.join("wasm-bindgen-test-runner").exists();
    if have.split_whitespace().nth(1) == Some(want.as_str()) && runner {
        return Ok(());
    }
    // Without --locked: the CLI's own lockfile wants crates the registry lacks.
    run(Command::new("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &format!("={want}"),
    ]))
}

/// `cargo install --locked` of `krate` at `version`, unless `bin --version`
/// already says that version (its second word: `trunk 0.21.14`).
fn ensure_cargo_tool(bin: &Path, krate: &str, version: &str) -> Result {
    let have = version_of(bin, "--version").unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version) {
        return Ok(());
    }
    run(Command::new("cargo").args(["install", krate, "--version", version, "--locked"]))
}

fn ensure_trunk(bin: &Path) -> Result<PathBuf> {
    let trunk = bin.join("trunk");
    // Newer trunk needs a newer rustc than this machine's.
    ensure_cargo_tool(&trunk, "trunk", TRUNK_VERSION)?;
    Ok(trunk)
}

/// wasm-opt from npm's binaryen (Debian's older one breaks release builds).
fn ensure_wasm_opt() -> Result<PathBuf> {
    let dir = npm_prefix().join("node_modules/binaryen/bin");
    let have = version_of(&dir.join("wasm-opt"), "--version").unwrap_or_default();
    if !have.contains(&format!("version {BINARYEN_VERSION}")) {
        npm_install(&format!("binaryen@{BINARYEN_VERSION}"))?;
    }
    Ok(dir)
}

/// twiggy, the wasm size profiler (`cargo xtask size --breakdown`).
pub fn ensure_twiggy() -> Result<PathBuf> {
    let twiggy = cargo_bin().join("twiggy");
    ensure_cargo_tool(&twiggy, "twiggy", TWIGGY_VERSION)?;
    Ok(twiggy)
}

/// terser from npm, for the release JS (trunk's own minifier cannot parse
/// wasm-bindgen's output).
pub fn ensure_terser() -> Result<PathBuf> {
    ensure_npm_tool("terser", TERSER_VERSION)
}

/// esbuild from npm, to bundle the glue's snippets into it (minify.rs).
pub fn ensure_esbuild() -> Result<PathBuf> {
    ensure_npm_tool("esbuild", ESBUILD_VERSION)
}

/// The npm package `name` at `version` under [`npm_prefix`], unless its
/// `--version` already says that version (its last word: `terser 5.51.4`,
/// `0.28.2`).
fn ensure_npm_tool(name: &str, version: &str) -> Result<PathBuf> {
    let bin = npm_prefix().join("node_modules/.bin").join(name);
    let have = version_of(&bin, "--version").unwrap_or_default();
    if have.split_whitespace().last() != Some(version) {
        npm_install(&format!("{name}@{version}"))?;
    }
    Ok(bin)
}

/// Where the tools from npm live, beside the project's other downloads.
fn npm_prefix() -> PathBuf {
    cache_dir().join("npm")
}

/// Installs one pinned npm package (`name@version`) under [`npm_prefix`].
fn npm_install(package: &str) -> Result {
    let prefix = npm_prefix();
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    ensure_node()?;
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(package))
}

fn ensure_node() -> Result {
    if version_of(Path::new("node"), "--version").is_some()
        && version_of(Path::new("npm"), "--version").is_some()
    {
        return Ok(());
    }
    apt_install(&["nodejs", "npm"])
}

fn ensure_chromium() -> Result<(PathBuf, PathBuf)> {
    let chromium = PathBuf::from("/usr/bin/chromium");
    let driver = PathBuf::from("/usr/bin/chromedriver");
    if !(chromium.exists() && driver.exists()) {
        apt_install(&["chromium", "chromium-driver"])?;
    }
    Ok((chromium, driver))
}

/// redis-server, which the proxy's replica tests start on ports of their own
/// (`proxy/tests/redis_replicas.rs`); no system service is needed.
fn ensure_redis() -> Result {
    if Path::new("/usr/bin/redis-server").exists() {
        return Ok(());
    }
    apt_install(&["redis-server"])
}

/// The numbers in a version line ("Mozilla Firefox 140.5.0esr" → [140, 5, 0]).
fn version_numbers(line: &str) -> Vec<u32> {
    line.split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(|w| {
            w.split('.')
                .map_while(|p| {
                    let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().ok()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Firefox ESR from Debian, and geckodriver built by `cargo install` (its npm
/// package downloads the binary, which fails here).
fn ensure_firefox() -> Result<Firefox> {
    let binary = PathBuf::from("/usr/bin/firefox-esr");
    if !binary.exists() {
        apt_install(&["firefox-esr"])?;
    }
    let have = version_of(&binary, "--version").unwrap_or_default();
    if version_numbers(&have).first().copied().unwrap_or(0) < FIREFOX_ESR_MIN {
        return Err(format!(
            "{} is {have:?}; the tests need Firefox ESR {FIREFOX_ESR_MIN} or later",
            binary.display()
        ));
    }
    let geckodriver = cargo_bin().join("geckodriver");
    ensure_cargo_tool(&geckodriver, "geckodriver", GECKODRIVER_VERSION)?;
    Ok(Firefox {
        binary,
        geckodriver,
    })
}

/// WebKitGTK's WebDriver server (Debian's webkit2gtk-driver, which brings
/// the MiniBrowser it drives) and xvfb.
fn ensure_webkit() -> Result<WebKit> {
    let driver = PathBuf::from("/usr/bin/WebKitWebDriver");
    let minibrowser = PathBuf::from(MINIBROWSER);
    let xvfb_run = PathBuf::from("/usr/bin/xvfb-run");
    if !(driver.exists() && minibrowser.exists() && xvfb_run.exists()) {
        apt_install(&["webkit2gtk-driver", "xvfb", "xauth"])?;
    }
    // WebKitWebDriver has no --version: the package's.
    let have = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "webkit2gtk-driver ${Version}",
            "webkit2gtk-driver",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let numbers = version_numbers(&have);
    if (numbers.first().copied(), numbers.get(1).copied())
        < (Some(WEBKITGTK_MIN.0), Some(WEBKITGTK_MIN.1))
    {
        return Err(format!(
            "{} is {have:?}; the tests need WebKitGTK {}.{} or later",
            driver.display(),
            WEBKITGTK_MIN.0,
            WEBKITGTK_MIN.1
        ));
    }
    Ok(WebKit {
        driver,
        minibrowser,
        xvfb_run,
    })
}

/// A CJK font, so that zh-CN screenshots show glyphs, not boxes (docs only).
pub fn ensure_cjk_font() -> Result {
    let out = Command::new("fc-list").arg(":lang=zh").output();
    if out.is_ok_and(|o| !o.stdout.is_empty()) {
        return Ok(());
    }
    apt_install(&["fonts-wqy-microhei"])
}

fn apt_install(packages: &[&str]) -> Result {
    let sudo = !is_root();
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update", "-qq"]))?;
    let mut install = vec!["install", "-y", "-qq"];
    install.extend_from_slice(packages);
    run(&mut apt(&install))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The end-to-end tests' npm packages: selenium-webdriver (the tests' WebDriver
/// client) and playwright-core (the bench's Chromium); neither downloads a
/// browser or a driver.
fn ensure_e2e_packages() -> Result {
    npm_ci(&root().join("tests/e2e"))
}

/// The bench's peers' npm packages (bench/peers: React, TanStack Query,
/// esbuild), for `cargo xtask bench` only.
pub fn ensure_peer_packages() -> Result {
    npm_ci(&root().join("bench/peers"))
}

/// `npm ci` in `dir` (the versions of its package-lock.json), unless its
/// node_modules is newer than the lock file.
pub fn npm_ci(dir: &Path) -> Result {
    let marker = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (std::fs::metadata(&marker), std::fs::metadata(&lock)) {
        (Ok(m), Ok(l)) => match (m.modified(), l.modified()) {
            (Ok(m), Ok(l)) => m >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    ensure_node()?;
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

#[cfg(test)]
mod tests {
    use super::version_numbers;

    #[test]
    fn version_lines_are_read() {
        assert_eq!(version_numbers("Mozilla Firefox 153.8.0esr"), [153, 8, 0]);
        assert_eq!(
            version_numbers("webkit2gtk-driver 2.50.6-1~deb12u2"),
            [2, 50, 6]
        );
        assert_eq!(
            version_numbers("geckodriver 0.37.1 (abc 2026-01-01)"),
            [0, 37, 1]
        );
        assert!(version_numbers("nothing").is_empty());
    }
}
