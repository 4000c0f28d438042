//! The project's driver: `cargo xtask demo`, `cargo xtask test`,
//! `cargo xtask build`, and the commands in [`USAGE`].
//!
//! Every command first installs what this machine lacks (wasm target,
//! wasm-bindgen-cli matching Cargo.lock, trunk, wasm-opt, Chromium, Firefox
//! ESR and WebKitGTK with their WebDriver servers, Xvfb, the e2e tests' npm
//! packages) and skips what is already there.

mod breakdown;
mod compress;
mod layers;
mod minify;
mod setup;
mod size;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <demo|test|setup|build|size|screenshots|bench>

  demo    install what is missing, start the mock backend and `trunk serve`,
          print the demo URL; Ctrl-C stops both
  test    install what is missing, then run every test: native, then wasm
          and end-to-end (release build) in Chromium, Firefox and WebKit
  setup   only install what is missing
  build   build the release widget into dist/ (what portals serve)
  size    build the release widget and print its transfer size
          (--breakdown: and where the wasm's bytes go, by item and crate)
  screenshots  build the release widget and render docs/screenshots/*.png
  bench   measure the release widget against a minimal Leptos baseline and
          against React + TanStack Query and plain-JS peers in headless
          Chromium; write BENCHMARKS.md; fail when a budget is missed
  minify  Trunk.toml's post-build hook: terser on a release's JS";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(),
        Some("test") => test(),
        Some("setup") => setup::ensure_all().map(|_| ()),
        Some("build") => setup::ensure_build().and_then(|tools| release_build(&tools).map(|_| ())),
        Some("screenshots") => screenshots(),
        Some("minify") => minify::trunk_hook(),
        Some("bench") => bench(),
        Some("size") => setup::ensure_build().and_then(|tools| {
            release_build(&tools)?;
            let sizes = size::report(&root().join("dist"))?;
            if args.get(1).map(String::as_str) == Some("--breakdown") {
                breakdown::breakdown(&tools, &sizes.wasm_path(&root().join("dist"))?)?;
            }
            size::check(&sizes)
        }),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
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
pub fn run(cmd: &mut Command) -> Result {
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

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds and starts the mock backend (a debug build); returns it and its
/// base URL.
fn start_mock(listen: &str, extra: &[&str]) -> Result<(Guard, String)> {
    start_mock_built(false, listen, extra)
}

/// The same, as a release build when `release` (the benchmark measures the
/// widget, not an unoptimised server).
fn start_mock_built(release: bool, listen: &str, extra: &[&str]) -> Result<(Guard, String)> {
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

fn demo() -> Result {
    let tools = setup::ensure_all()?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    }
    // --allow-sync: the demo's "Sync now" (`?actions=sync`, the portal example).
    let (_mock, mock_url) = start_mock("127.0.0.1:9009", &["--allow-sync"])?;
    let trunk = Command::new(&tools.build.trunk)
        .args(["serve"])
        .current_dir(root())
        .env("PATH", tools.build.path_env())
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .spawn()
        .map_err(|e| format!("cannot start trunk: {e}"))?;
    let mut trunk = Guard(trunk);
    println!(
        "\n  mock backend: {mock_url}\n  demo:         http://127.0.0.1:8080/?project_id=demo&dataset_id=my-dataset&interval=2\n  (other datasets: see README, e.g. dataset_id=status-failed)\n  Ctrl-C stops both.\n"
    );
    while !stop.load(Ordering::SeqCst) {
        if let Ok(Some(status)) = trunk.0.try_wait() {
            return Err(format!("trunk serve exited ({status})"));
        }
        thread::sleep(Duration::from_millis(200));
    }
    eprintln!("xtask: stopping");
    Ok(())
}

/// `trunk build --release`, with the project's tools first on PATH (trunk
/// finds wasm-bindgen and wasm-opt there; Trunk.toml forbids downloads).
fn trunk_release(tools: &setup::BuildTools) -> Command {
    let mut trunk = Command::new(&tools.trunk);
    trunk
        .args(["build", "--release"])
        .env("PATH", tools.path_env())
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    trunk
}

/// Builds `dist/`: exactly what `trunk build --release` writes (Cargo.toml's
/// release profile, Trunk.toml and its post-build hook, index.html), the
/// crates fetched first because trunk builds offline.
fn release_build(tools: &setup::BuildTools) -> Result {
    run(cargo().args(["fetch"]))?;
    run(&mut trunk_release(tools))
}

fn bench() -> Result {
    let tools = setup::ensure_all()?;
    setup::ensure_peer_packages()?;
    release_build(&tools.build)?;
    let baseline = root().join("target/bench/baseline");
    // Built (and minified, by Trunk.toml's hook) as the widget is, for a
    // fair comparison.
    run(trunk_release(&tools.build)
        .arg("--dist")
        .arg(&baseline)
        .arg("bench/baseline/index.html"))?;
    // What a portal team would write instead: React + TanStack Query, and
    // plain JS, bundled by esbuild.
    let peers = root().join("target/bench/peers");
    run(Command::new("node")
        .arg("bench/peers/build.mjs")
        .arg(&peers))?;
    // Served compressed, as the widget's release files are.
    compress::precompress(&peers)?;
    let dist = root().join("dist");
    let page = root().join("target/bench/widget");
    widget_page(&dist, &page)?;
    let (_widget, widget_url) =
        start_mock_built(true, "127.0.0.1:0", &["--static", &page.to_string_lossy()])?;
    let (_baseline, baseline_url) = start_mock_built(
        true,
        "127.0.0.1:0",
        &["--static", &baseline.to_string_lossy()],
    )?;
    let (_peers, peers_url) =
        start_mock_built(true, "127.0.0.1:0", &["--static", &peers.to_string_lossy()])?;
    let out = root().join("target/bench/latest.md");
    let measured = run(Command::new("node")
        .arg("bench/run.mjs")
        .env("WIDGET_URL", &widget_url)
        .env("BASELINE_URL", &baseline_url)
        .env("PEERS_URL", &peers_url)
        .env("WIDGET_DIST", &dist)
        .env("BASELINE_DIST", &baseline)
        .env("PEERS_DIST", &peers)
        .env("BENCH_OUT", &out)
        .env("CHROMIUM", &tools.chromium));
    // The figures go into BENCHMARKS.md whether or not every budget was met.
    if let Ok(table) = std::fs::read_to_string(&out) {
        update_benchmarks_md(&table)?;
    }
    measured
}

/// The widget as a portal embeds it, for the bench: `dist`'s files under
/// `page`, and two pages that hold the cards and load the loader, and have
/// nothing else (the demo page's own stylesheet and script are not the
/// widget's cost): `index.html`, the plain embed (the loader alone, as the
/// peers' pages have their bundle alone), and `preload.html`, which also
/// preloads the module's files (README: Embedding), as trunk's page for the
/// baseline does for its own. Options come from the URL query
/// (`?project_id=p` → `project-id="p"`); `n=100` makes 100 cards, of
/// datasets `{dataset_id}-0` … `-99`.
fn widget_page(dist: &Path, page: &Path) -> Result {
    if page.exists() {
        std::fs::remove_dir_all(page).map_err(|e| format!("{}: {e}", page.display()))?;
    }
    let mut preloads = String::new();
    for file in files_under(dist, |_| true)? {
        if compress::is_precompressed_html(&file) {
            continue;
        }
        let rel = file.strip_prefix(dist).map_err(|e| e.to_string())?;
        let to = page.join(rel);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::copy(&file, &to).map_err(|e| format!("{}: {e}", file.display()))?;
        let href = rel.to_string_lossy().replace('\\', "/");
        if href.ends_with("_bg.wasm") {
            preloads.push_str(&format!(
                "<link rel=\"preload\" href=\"/{href}\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n"
            ));
        } else if href == "modelarts-sync-status.js" || href.starts_with("snippets/") {
            preloads.push_str(&format!("<link rel=\"modulepreload\" href=\"/{href}\">\n"));
        }
    }
    for (name, head) in [("index.html", ""), ("preload.html", preloads.as_str())] {
        let html = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>widget</title>\n\
             {head}<script type=\"module\" src=\"/modelarts-sync-status-loader.js\"></script>\n</head>\n\
             <body>\n<div id=\"cards\"></div>\n<script>\n{CARDS_SCRIPT}</script>\n</body>\n</html>\n"
        );
        std::fs::write(page.join(name), html).map_err(|e| format!("widget page: {e}"))?;
    }
    Ok(())
}

/// The bench pages' cards, made while the page is parsed (as if written in
/// its HTML), before the loader runs.
const CARDS_SCRIPT: &str = r#"(() => {
  const query = new URLSearchParams(location.search);
  const n = Math.max(1, Number(query.get('n') ?? 1) || 1);
  const id = query.get('dataset_id') ?? '';
  for (let i = 0; i < n; i++) {
    const card = document.createElement('modelarts-sync-status');
    for (const [k, v] of query) {
      if (k === 'n') continue;
      try { card.setAttribute(k.replaceAll('_', '-'), v); } catch {}
    }
    if (n > 1) card.setAttribute('dataset-id', `${id}-${i}`);
    document.getElementById('cards').append(card);
  }
})();
"#;

/// Replaces the text between the markers in BENCHMARKS.md.
fn update_benchmarks_md(table: &str) -> Result {
    const START: &str = "<!-- bench:start -->";
    const END: &str = "<!-- bench:end -->";
    let path = root().join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("BENCHMARKS.md: {e}"))?;
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        return Err("BENCHMARKS.md lacks the bench markers".into());
    };
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let updated = format!(
        "{}{START}\nLatest run: {date}.\n\n{table}{}",
        &text[..a],
        &text[b..]
    );
    std::fs::write(&path, updated).map_err(|e| format!("BENCHMARKS.md: {e}"))
}

fn screenshots() -> Result {
    let tools = setup::ensure_all()?;
    setup::ensure_cjk_font()?;
    release_build(&tools.build)?;
    let site = e2e_site(&root().join("dist"))?;
    // --allow-sync: the "Sync now" shots press the button.
    let (_server, base_url) = start_mock(
        "127.0.0.1:0",
        &["--static", &site.to_string_lossy(), "--allow-sync"],
    )?;
    for engine in Engine::ALL {
        run(&mut engine.node(&tools, &base_url, &["tests/e2e/screenshots.mjs"]))?;
    }
    Ok(())
}

/// A browser engine the tests run in.
#[derive(Clone, Copy)]
enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

impl Engine {
    const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// As `E2E_BROWSER` names it.
    fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// `node` with these arguments, told which engine to drive and where it
    /// is; WebKit's under an X server of its own (`xvfb-run`).
    fn node(self, tools: &setup::Tools, base_url: &str, args: &[&str]) -> Command {
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

/// The end-to-end tests' site: `dist`'s files under `target/e2e/site`, each
/// HTML page naming `/e2e/init.js` (tests/e2e/site/init.js: it records the
/// page's errors and runs a test's init function before the page's own
/// scripts; helpers.mjs says why) at the end of its `<head>`, after any CSP
/// `<meta>`, plus `tests/e2e/site/*` under `/e2e/`. The pages are otherwise
/// `dist`'s own.
fn e2e_site(dist: &Path) -> Result<PathBuf> {
    let site = root().join("target/e2e/site");
    copy_site(dist, &root().join("tests/e2e/site"), &site)?;
    Ok(site)
}

fn copy_site(dist: &Path, extra: &Path, site: &Path) -> Result {
    if site.exists() {
        std::fs::remove_dir_all(site).map_err(|e| format!("{}: {e}", site.display()))?;
    }
    const TAG: &str = "<script src=\"/e2e/init.js\"></script>\n";
    for file in files_under(dist, |_| true)? {
        if compress::is_precompressed_html(&file) {
            continue;
        }
        let rel = file.strip_prefix(dist).map_err(|e| e.to_string())?;
        let to = site.join(rel);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        if file.extension().is_some_and(|x| x == "html") {
            let html =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let at = html
                .find("</head>")
                .ok_or_else(|| format!("{} has no </head>", file.display()))?;
            let html = format!("{}{TAG}{}", &html[..at], &html[at..]);
            std::fs::write(&to, html).map_err(|e| format!("{}: {e}", to.display()))?;
        } else {
            std::fs::copy(&file, &to).map_err(|e| format!("{}: {e}", file.display()))?;
        }
    }
    let into = site.join("e2e");
    std::fs::create_dir_all(&into).map_err(|e| format!("{}: {e}", into.display()))?;
    for file in files_under(extra, |_| false)? {
        let name = file.file_name().unwrap_or_default();
        std::fs::copy(&file, into.join(name)).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    Ok(())
}

/// What one run of a test suite in one engine counted.
struct Counted {
    what: String,
    passed: u64,
    failed: u64,
    secs: u64,
    ok: bool,
}

/// Runs a wasm-bindgen test run, its output shown as it comes, and reads
/// its count from cargo's "test result: ok. 6 passed; 0 failed; …" line.
fn run_wasm_counted(what: String, cmd: &mut Command) -> Result<Counted> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {shown}");
    let started = std::time::Instant::now();
    let mut child = cmd
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (mut passed, mut failed) = (0, 0);
    for line in BufReader::new(stdout)
        .lines()
        .map_while(std::result::Result::ok)
    {
        println!("{line}");
        if let Some(rest) = line.trim().strip_prefix("test result: ") {
            passed += count_before(rest, " passed");
            failed += count_before(rest, " failed");
        }
    }
    let status = child.wait().map_err(|e| format!("{shown}: {e}"))?;
    Ok(Counted {
        what,
        passed,
        failed,
        secs: started.elapsed().as_secs(),
        ok: status.success() && passed > 0,
    })
}

/// The number just before `word` in `text` ("ok. 6 passed; 0 failed" → 6).
fn count_before(text: &str, word: &str) -> u64 {
    text.find(word)
        .and_then(|at| text[..at].rsplit([' ', '.']).next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs the end-to-end tests in one engine: node's spec report on the
/// terminal, its TAP report in `target/e2e/<engine>.tap` for the count.
fn run_e2e_counted(
    engine: Engine,
    tools: &setup::Tools,
    (base_url, auth_url): (&str, &str),
    files: &[String],
) -> Result<Counted> {
    let tap = root().join(format!("target/e2e/{}.tap", engine.name()));
    let _ = std::fs::remove_file(&tap);
    let tap_arg = format!("--test-reporter-destination={}", tap.display());
    let mut args = vec![
        "--test",
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        "--test-reporter=tap",
        tap_arg.as_str(),
    ];
    args.extend(files.iter().map(String::as_str));
    let started = std::time::Instant::now();
    let ok = run(engine
        .node(tools, base_url, &args)
        .env("AUTH_BASE_URL", auth_url))
    .is_ok();
    let report = std::fs::read_to_string(&tap).unwrap_or_default();
    let total = |key: &str| {
        report
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("# {key} ")))
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .sum::<u64>()
    };
    let (passed, failed) = (total("pass"), total("fail") + total("cancelled"));
    Ok(Counted {
        what: format!("e2e in {}", engine.name()),
        passed,
        failed,
        secs: started.elapsed().as_secs(),
        // Skipped or todo tests would pass unnoticed: there must be none.
        ok: ok && passed > 0 && failed == 0 && total("skipped") == 0 && total("todo") == 0,
    })
}

/// `cargo clippy` with these arguments (package, target, features,
/// targets), warnings as errors.
fn clippy(args: &[&str]) -> Command {
    let mut clippy = cargo();
    clippy
        .arg("clippy")
        .args(args)
        .args(["--quiet", "--", "-D", "warnings"]);
    clippy
}

/// The widget crate as the server of a server-rendered Leptos app builds it.
const SSR: [&str; 4] = [
    "-p",
    "modelarts-sync-status",
    "--no-default-features",
    "--features=ssr",
];

/// The widget crate built for the browser.
const WASM: [&str; 4] = [
    "-p",
    "modelarts-sync-status",
    "--target",
    "wasm32-unknown-unknown",
];

fn test() -> Result {
    let tools = setup::ensure_all()?;

    eprintln!("\n== format, lints and the modules' layering");
    layers::check(&root())?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(&mut clippy(&["--workspace", "--all-targets"]))?;
    run(&mut clippy(
        &[&WASM[..], &["--lib", "--examples", "--test", "web"]].concat(),
    ))?;
    // The two halves of a server-rendered Leptos app: the server's
    // (natively) and the browser's.
    run(&mut clippy(&[&SSR[..], &["--all-targets"]].concat()))?;
    run(&mut clippy(
        &[
            &WASM[..],
            &["--no-default-features", "--features", "hydrate"],
            &["--lib", "--test", "hydrate"],
        ]
        .concat(),
    ))?;

    eprintln!("\n== native tests (core, mock backend, xtask; the card rendered on the server)");
    run(cargo().args(["test", "--workspace"]))?;
    run(cargo().args(["test"]).args(SSR).args(["--test", "ssr"]))?;

    let mut counts = Vec::new();
    let (mock, mock_url) = start_mock("127.0.0.1:0", &[])?;
    for engine in Engine::ALL {
        let _webkit_driver;
        let driver: (&str, std::ffi::OsString) = match engine {
            Engine::Chromium => ("CHROMEDRIVER", tools.chromedriver.clone().into()),
            Engine::Firefox => ("GECKODRIVER", tools.firefox.geckodriver.clone().into()),
            Engine::WebKit => {
                // The runner knows safaridriver, and asks a remote one for a
                // session with no capabilities: WebKitWebDriver then starts
                // its MiniBrowser, under an X server of its own.
                let (guard, url) = start_webkit_driver(&tools.webkit)?;
                _webkit_driver = guard;
                ("SAFARIDRIVER_REMOTE", url.into())
            }
        };
        // The component (the widget's build, csr), and the browser half of
        // a server-rendered app hydrating the server's HTML.
        let suites: [(&str, &str, &[&str]); 2] = [
            ("web", "wasm", &[]),
            (
                "hydrate",
                "hydrate",
                &["--no-default-features", "--features=hydrate"],
            ),
        ];
        for (test, what, features) in suites {
            eprintln!("\n== wasm-bindgen tests ({test}) in {}", engine.name());
            let mut cmd = cargo();
            cmd.arg("test")
                .args(WASM)
                .args(["--test", test])
                .args(features)
                .env("PATH", tools.build.path_env())
                .env("MSS_MOCK_URL", &mock_url);
            // The runner takes the first driver it is given.
            for var in [
                "CHROMEDRIVER",
                "GECKODRIVER",
                "SAFARIDRIVER",
                "SAFARIDRIVER_REMOTE",
            ] {
                cmd.env_remove(var);
            }
            cmd.env(driver.0, &driver.1);
            counts.push(run_wasm_counted(
                format!("{what} in {}", engine.name()),
                &mut cmd,
            )?);
        }
    }
    drop(mock);

    eprintln!("\n== release build (trunk build --release) and its transfer size");
    release_build(&tools.build)?;
    size::check(&size::report(&root().join("dist"))?)?;

    let site = e2e_site(&root().join("dist"))?;
    let (_server, base_url) = start_mock(
        "127.0.0.1:0",
        &[
            "--static",
            &site.to_string_lossy(),
            "--cycle",
            "8",
            "--allow-sync",
        ],
    )?;
    // The same site behind the mock's viewer rules (tests/e2e/auth.test.mjs).
    let (_auth_server, auth_url) = start_mock(
        "127.0.0.1:0",
        &[
            "--static",
            &site.to_string_lossy(),
            "--mock-auth",
            "--allow-sync",
        ],
    )?;
    let mut files: Vec<String> = std::fs::read_dir(root().join("tests/e2e"))
        .map_err(|e| format!("tests/e2e: {e}"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("tests/e2e/{name}"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err("no end-to-end tests found in tests/e2e".into());
    }
    for engine in Engine::ALL {
        eprintln!(
            "\n== end-to-end tests: release build in {} against the mock",
            engine.name()
        );
        counts.push(run_e2e_counted(
            engine,
            &tools,
            (&base_url, &auth_url),
            &files,
        )?);
    }

    println!("\n== tests per engine");
    let (mut passed, mut failed) = (0, 0);
    for c in &counts {
        println!(
            "{:<18} {:>3} passed, {} failed ({} s){}",
            c.what,
            c.passed,
            c.failed,
            c.secs,
            if c.ok { "" } else { "  FAILED" }
        );
        passed += c.passed;
        failed += c.failed;
    }
    println!("browsers: {passed} passed, {failed} failed");
    let bad: Vec<&str> = counts
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.what.as_str())
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", bad.join(", ")))
    }
}

/// A process group (xvfb-run, its X server and what it runs) ended when
/// dropped.
struct GroupGuard(Child);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// WebKitWebDriver on a free port under `xvfb-run`; its URL.
fn start_webkit_driver(webkit: &setup::WebKit) -> Result<(GroupGuard, String)> {
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

/// A fresh, empty folder for one test, removed by the test when done.
#[cfg(test)]
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widget_pages_embed_the_loader_with_and_without_preloads() {
        let top = scratch_dir("page");
        let (dist, page) = (top.join("dist"), top.join("page"));
        let files = [
            "index.html",
            "demo.js",
            "modelarts-sync-status-loader.js",
            "modelarts-sync-status.js",
            "modelarts-sync-status_bg.wasm",
        ];
        for f in files {
            std::fs::create_dir_all(dist.join(f).parent().unwrap()).unwrap();
            std::fs::write(dist.join(f), f).unwrap();
        }
        widget_page(&dist, &page).unwrap();
        let plain = std::fs::read_to_string(page.join("index.html")).unwrap();
        let hinted = std::fs::read_to_string(page.join("preload.html")).unwrap();
        let _ = std::fs::remove_dir_all(&top);
        for html in [&plain, &hinted] {
            assert!(
                html.contains(r#"<script type="module" src="/modelarts-sync-status-loader.js">"#)
            );
            assert!(
                html.contains("createElement('modelarts-sync-status')"),
                "{html}"
            );
            assert!(!html.contains("demo.js"), "{html}");
        }
        assert!(!plain.contains("<link"), "{plain}");
        assert!(hinted.contains(r#"<link rel="modulepreload" href="/modelarts-sync-status.js">"#));
        assert!(hinted.contains(r#"href="/modelarts-sync-status_bg.wasm" as="fetch""#));
        assert!(!hinted.contains(r#"rel="modulepreload" href="/modelarts-sync-status-loader.js""#));
    }

    #[test]
    fn the_e2e_site_names_the_init_script_after_the_csp() {
        let top = scratch_dir("site");
        let (dist, extra, site) = (top.join("dist"), top.join("extra"), top.join("site"));
        std::fs::create_dir_all(dist.join("examples")).unwrap();
        std::fs::create_dir_all(&extra).unwrap();
        let csp = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'self'">"#;
        std::fs::write(
            dist.join("examples/portal.html"),
            format!(
                "<html><head>{csp}<script type=\"module\" src=\"a.js\"></script></head></html>"
            ),
        )
        .unwrap();
        std::fs::write(dist.join("a.wasm"), "wasm").unwrap();
        std::fs::write(extra.join("init.js"), "init").unwrap();
        copy_site(&dist, &extra, &site).unwrap();
        let html = std::fs::read_to_string(site.join("examples/portal.html")).unwrap();
        let wasm = std::fs::read_to_string(site.join("a.wasm")).unwrap();
        let init = std::fs::read_to_string(site.join("e2e/init.js")).unwrap();
        let _ = std::fs::remove_dir_all(&top);
        let tag = html
            .find(r#"<script src="/e2e/init.js"></script>"#)
            .unwrap();
        assert!(html.find(csp).unwrap() < tag, "{html}");
        assert!(tag < html.find("</head>").unwrap(), "{html}");
        assert_eq!((wasm.as_str(), init.as_str()), ("wasm", "init"));
    }

    #[test]
    fn test_counts_are_read() {
        let line = "ok. 6 passed; 0 failed; 0 ignored; 0 filtered out; finished in 1.20s";
        assert_eq!(count_before(line, " passed"), 6);
        assert_eq!(count_before(line, " failed"), 0);
        assert_eq!(count_before("FAILED. 5 passed; 1 failed;", " failed"), 1);
    }
}
