//! Trunk.toml's post-build hook, in trunk's staging folder of a release
//! build: bundles into the JS glue the snippets it imports (esbuild), minifies
//! the JavaScript with terser, then brings the `integrity` attributes trunk
//! wrote into index.html back in line with the files they name. (trunk's own
//! `minify` cannot parse wasm-bindgen's glue: it warns and leaves it whole.)

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use sha2::{Digest, Sha384};

use crate::{files_under, run, setup, Result};

/// Run by trunk after each build (`[[hooks]]` in Trunk.toml): release
/// builds only.
pub fn trunk_hook() -> Result {
    if std::env::var("TRUNK_PROFILE").as_deref() != Ok("release") {
        return Ok(());
    }
    let staging = std::env::var_os("TRUNK_STAGING_DIR")
        .ok_or("cargo xtask minify is trunk's post-build hook: TRUNK_STAGING_DIR is not set")?;
    dist(
        Path::new(&staging),
        &setup::ensure_terser()?,
        &setup::ensure_esbuild()?,
    )
}

/// Bundles the snippets into the glue, minifies every `.js` file of `dist`
/// (not its `examples/`, which are sources to read), fixes the SRI hashes
/// of `dist/index.html`, then writes the `.br` and `.gz` of the final files
/// (`compress.rs`).
pub fn dist(dist: &Path, terser: &Path, esbuild: &Path) -> Result {
    inline_snippets(dist, esbuild)?;
    for file in js_files(dist)? {
        run(Command::new(terser)
            .arg(&file)
            .args(["--module", "--compress", "--mangle", "--output"])
            .arg(&file))?;
    }
    fix_integrity(dist)?;
    crate::compress::precompress(dist)
}

/// wasm-bindgen writes each JS snippet of the crate (the custom element's
/// `js/element.js`) as a file of its own under `snippets/`, which the glue
/// imports: one more request, after the glue's, on the way to a page's first
/// status. esbuild inlines them into the glue; the `snippets/` folder and
/// index.html's preloads of its files go.
fn inline_snippets(dist: &Path, esbuild: &Path) -> Result {
    let snippets = dist.join("snippets");
    if !snippets.exists() {
        return Ok(());
    }
    for file in files_under(dist, |_| false)? {
        if file.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let js = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        if js.contains("./snippets/") {
            run(Command::new(esbuild)
                .arg(&file)
                .args(["--bundle", "--format=esm", "--log-level=warning"])
                .arg("--allow-overwrite")
                .arg(format!("--outfile={}", file.display())))?;
        }
    }
    std::fs::remove_dir_all(&snippets).map_err(|e| format!("{}: {e}", snippets.display()))?;
    let index = dist.join("index.html");
    if let Ok(html) = std::fs::read_to_string(&index) {
        std::fs::write(&index, without_snippet_preloads(&html)?)
            .map_err(|e| format!("{}: {e}", index.display()))?;
    }
    Ok(())
}

/// `html` less its `<link>` tags that name a file under `/snippets/`.
fn without_snippet_preloads(html: &str) -> Result<String> {
    rewrite_tags(html, |tag| {
        let snippet = tag.starts_with("<link ")
            && attribute(tag, "href").is_some_and(|href| href.starts_with("/snippets/"));
        Ok(if snippet {
            String::new()
        } else {
            tag.to_owned()
        })
    })
}

/// `html` with each tag (`<` to `>`) replaced by what `rewrite` makes of it.
fn rewrite_tags(html: &str, mut rewrite: impl FnMut(&str) -> Result<String>) -> Result<String> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(&rest[..start]);
        out.push_str(&rewrite(&rest[start..end])?);
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}

fn js_files(dist: &Path) -> Result<Vec<PathBuf>> {
    let examples = dist.join("examples");
    let mut files = files_under(dist, |dir| dir != examples)?;
    files.retain(|path| path.extension().is_some_and(|e| e == "js"));
    Ok(files)
}

/// Rewrites each `integrity="sha384-…"` of a tag whose `href` or `src`
/// names a file of `dist`.
fn fix_integrity(dist: &Path) -> Result {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let out = rewrite_tags(&html, |tag| tag_with_integrity(dist, tag))?;
    std::fs::write(&index, out).map_err(|e| format!("{}: {e}", index.display()))
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn tag_with_integrity(dist: &Path, tag: &str) -> Result<String> {
    let Some(old) = attribute(tag, "integrity").filter(|v| !v.is_empty()) else {
        return Ok(tag.to_owned());
    };
    // A hash left stale would make the browser refuse the file: better to stop.
    let target = attribute(tag, "href")
        .or_else(|| attribute(tag, "src"))
        .ok_or_else(|| format!("index.html: cannot tell which file this hash is for: {tag}"))?;
    let file = dist.join(target.trim_start_matches('/'));
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&bytes));
    Ok(tag.replace(old, &format!("sha384-{hash}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_preloads_are_dropped() {
        let html = "<head><link rel=\"modulepreload\" href=\"/a.js\"><link rel=\"modulepreload\" href=\"/snippets/s-1/js/element.js\" integrity=\"x\"><link rel=\"preload\" href=\"/a.wasm\"></head>";
        assert_eq!(
            without_snippet_preloads(html).unwrap(),
            "<head><link rel=\"modulepreload\" href=\"/a.js\"><link rel=\"preload\" href=\"/a.wasm\"></head>"
        );
    }

    #[test]
    fn integrity_follows_the_file() {
        let dir = crate::scratch_dir("sri");
        std::fs::write(dir.join("a.js"), "export const a = 1;").unwrap();
        std::fs::write(
            dir.join("index.html"),
            "<head><link rel=\"modulepreload\" href=\"/a.js\" integrity=\"sha384-old\"><script>x</script></head>",
        )
        .unwrap();
        fix_integrity(&dir).unwrap();
        let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
        // `openssl dgst -sha384 -binary a.js | base64`
        let expected = "cbUm2un28wzCuhRbr5P2NjvygLIPE7Upshq7IFu3zHWe7O6QknqF2PIHu0c5wGP6";
        assert!(
            html.contains(&format!("integrity=\"sha384-{expected}\"")),
            "{html}"
        );
        assert!(html.ends_with("<script>x</script></head>"), "{html}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
