//! `cargo xtask bench`: the release widget against a minimal Leptos
//! baseline and the peers a portal team would pick, in headless Chromium;
//! the figures go into BENCHMARKS.md.

use std::path::Path;
use std::process::Command;

use crate::mock::start_mock_built;
use crate::release::{release_build, trunk_release};
use crate::site::{copy, copy_dist};
use crate::{compress, root, run, setup, Result};

pub fn bench() -> Result {
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
    let mut preloads = String::new();
    copy_dist(dist, page, |file, rel, to| {
        let href = rel.to_string_lossy().replace('\\', "/");
        if href.ends_with("_bg.wasm") {
            preloads.push_str(&format!(
                "<link rel=\"preload\" href=\"/{href}\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n"
            ));
        } else if href == "modelarts-sync-status.js" || href.starts_with("snippets/") {
            preloads.push_str(&format!("<link rel=\"modulepreload\" href=\"/{href}\">\n"));
        }
        copy(file, to)
    })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scratch_dir;

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
}
