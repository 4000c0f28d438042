//! Trunk.toml's post-build hook: minifies a release build's JavaScript with
//! terser in trunk's staging folder, then brings the `integrity` attributes
//! trunk wrote into index.html back in line with the files they name.
//! (trunk's own `minify` cannot parse wasm-bindgen's glue: it warns and
//! leaves it whole.)

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
    dist(Path::new(&staging), &setup::ensure_terser()?)
}

/// Minifies every `.js` file of `dist` (not its `examples/`, which are
/// sources to read) and fixes the SRI hashes of `dist/index.html`.
pub fn dist(dist: &Path, terser: &Path) -> Result {
    for file in js_files(dist)? {
        run(Command::new(terser)
            .arg(&file)
            .args(["--module", "--compress", "--mangle", "--output"])
            .arg(&file))?;
    }
    fix_integrity(dist)
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
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(&rest[..start]);
        out.push_str(&tag_with_integrity(dist, &rest[start..end])?);
        rest = &rest[end..];
    }
    out.push_str(rest);
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
