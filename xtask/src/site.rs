//! The end-to-end tests' site, made from a release `dist/`.

use std::path::{Path, PathBuf};

use crate::{compress, files_under, root, Result};

/// The end-to-end tests' site: `dist`'s files under `target/e2e/site`, each
/// HTML page naming `/e2e/init.js` (tests/e2e/site/init.js: it records the
/// page's errors and runs a test's init function before the page's own
/// scripts; helpers.mjs says why) at the end of its `<head>`, after any CSP
/// `<meta>`, plus `tests/e2e/site/*` under `/e2e/`. The pages are otherwise
/// `dist`'s own.
pub fn e2e_site(dist: &Path) -> Result<PathBuf> {
    let site = root().join("target/e2e/site");
    copy_site(dist, &root().join("tests/e2e/site"), &site)?;
    Ok(site)
}

/// Writes `dist`'s files (not its precompressed HTML: the pages may
/// change) under `to`, emptied first: `write(file, relative path,
/// destination)` for each, its folder made.
pub fn copy_dist(
    dist: &Path,
    to: &Path,
    mut write: impl FnMut(&Path, &Path, &Path) -> Result,
) -> Result {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    for file in files_under(dist, |_| true)? {
        if compress::is_precompressed_html(&file) {
            continue;
        }
        let rel = file.strip_prefix(dist).map_err(|e| e.to_string())?;
        let dest = to.join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        write(&file, rel, &dest)?;
    }
    Ok(())
}

/// Copies a file.
pub fn copy(file: &Path, to: &Path) -> Result {
    std::fs::copy(file, to)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", file.display()))
}

fn copy_site(dist: &Path, extra: &Path, site: &Path) -> Result {
    const TAG: &str = "<script src=\"/e2e/init.js\"></script>\n";
    copy_dist(dist, site, |file, _, to| {
        if file.extension().is_none_or(|x| x != "html") {
            return copy(file, to);
        }
        let html = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let at = html
            .find("</head>")
            .ok_or_else(|| format!("{} has no </head>", file.display()))?;
        let html = format!("{}{TAG}{}", &html[..at], &html[at..]);
        std::fs::write(to, html).map_err(|e| format!("{}: {e}", to.display()))
    })?;
    let into = site.join("e2e");
    std::fs::create_dir_all(&into).map_err(|e| format!("{}: {e}", into.display()))?;
    for file in files_under(extra, |_| false)? {
        let name = file.file_name().unwrap_or_default();
        std::fs::copy(&file, into.join(name)).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scratch_dir;

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
}
