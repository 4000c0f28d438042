//! `cargo xtask test`: every test. Lints and the layering check, native
//! tests, the wasm-bindgen tests in each engine, the release build and its
//! size, then the end-to-end tests in each engine; a count per engine.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::engine::{start_webkit_driver, Engine};
use crate::mock::start_mock;
use crate::release::release_build;
use crate::site::e2e_site;
use crate::{apps, cargo, layers, package, root, run, setup, size, Result};

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

pub fn test() -> Result {
    let tools = setup::ensure_all()?;
    lints()?;
    native_tests()?;
    let mut counts = wasm_tests(&tools)?;

    eprintln!("\n== release build (trunk build --release), its transfer size and npm package");
    release_build(&tools.build)?;
    size::check(&size::report(&root().join("dist"))?)?;
    // The npm package of that build, and only the intended files in it.
    let tarball = package::pack(&root().join("dist"))?;

    counts.extend(e2e_tests(&tools, &tarball)?);
    summary(&counts)
}

/// Formatting, clippy on every build of the widget, the layering check,
/// and the TypeScript declarations as a strict TypeScript page uses them.
fn lints() -> Result {
    eprintln!("\n== format, lints, the modules' layering and the TypeScript declarations");
    layers::check(&root())?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    // tests/types: a plain page, a React and a Vue one; their
    // `@ts-expect-error` lines fail if the declarations are loose.
    setup::npm_ci(&root().join("tests/types"))?;
    run(Command::new("node")
        .arg("tests/types/node_modules/typescript/bin/tsc")
        .args(["-p", "tests/types/tsconfig.json"]))?;
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
    ))
}

fn native_tests() -> Result {
    eprintln!("\n== native tests (core, mock backend, xtask; the card rendered on the server)");
    run(cargo().args(["test", "--workspace"]))?;
    run(cargo().args(["test"]).args(SSR).args(["--test", "ssr"]))
}

/// The component (the widget's build, csr), and the browser half of a
/// server-rendered app hydrating the server's HTML: (test, label, features).
const WASM_SUITES: [(&str, &str, &[&str]); 2] = [
    ("web", "wasm", &[]),
    (
        "hydrate",
        "hydrate",
        &["--no-default-features", "--features=hydrate"],
    ),
];

/// The wasm-bindgen tests in each engine, against one mock backend.
fn wasm_tests(tools: &setup::Tools) -> Result<Vec<Counted>> {
    let mut counts = Vec::new();
    let (_mock, mock_url) = start_mock("127.0.0.1:0", &[])?;
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
        for (test, what, features) in WASM_SUITES {
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
            let what = format!("{what} in {}", engine.name());
            counts.push(run_wasm_counted(what, &mut cmd)?);
        }
    }
    Ok(counts)
}

/// The end-to-end tests in each engine: the release build (and the apps
/// built from its npm package) served by the mock, and by a second one
/// behind its viewer rules.
fn e2e_tests(tools: &setup::Tools, tarball: &Path) -> Result<Vec<Counted>> {
    let site = e2e_site(&root().join("dist"))?;
    eprintln!("\n== the React and Vue apps (tests/apps), built by Vite from the npm package");
    apps::build_into(tarball, &site)?;
    let site = site.to_string_lossy();
    let (_server, base_url) = start_mock(
        "127.0.0.1:0",
        &["--static", &site, "--cycle", "8", "--allow-sync"],
    )?;
    // The same site behind the mock's viewer rules (tests/e2e/auth.test.mjs).
    let (_auth_server, auth_url) = start_mock(
        "127.0.0.1:0",
        &["--static", &site, "--mock-auth", "--allow-sync"],
    )?;
    let files = e2e_files()?;
    let mut counts = Vec::new();
    for engine in Engine::ALL {
        eprintln!(
            "\n== end-to-end tests: release build in {} against the mock",
            engine.name()
        );
        let urls = (base_url.as_str(), auth_url.as_str());
        counts.push(run_e2e_counted(engine, tools, urls, &files)?);
    }
    Ok(counts)
}

/// `tests/e2e/*.test.mjs`, sorted; there must be some.
fn e2e_files() -> Result<Vec<String>> {
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
    Ok(files)
}

/// Prints the count per engine; fails if any run failed.
fn summary(counts: &[Counted]) -> Result {
    println!("\n== tests per engine");
    let (mut passed, mut failed) = (0, 0);
    for c in counts {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_counts_are_read() {
        let line = "ok. 6 passed; 0 failed; 0 ignored; 0 filtered out; finished in 1.20s";
        assert_eq!(count_before(line, " passed"), 6);
        assert_eq!(count_before(line, " failed"), 0);
        assert_eq!(count_before("FAILED. 5 passed; 1 failed;", " failed"), 1);
    }
}
