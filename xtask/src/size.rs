//! The release widget's transfer size, printed by every test run.

use std::path::Path;

use crate::compress::{brotli, gzip, is_precompressed};
use crate::{files_under, Result};

/// The ceiling: total gzip transfer (wasm + JS + CSS) of the release that
/// `trunk build --release` writes, with the stack the product is specified
/// with (Leptos, gloo-net, serde, serde-wasm-bindgen) on stable Rust. Growth
/// below it passes; there is no ratchet. flate2's `best` (miniz_oxide) and
/// the zlib level 9 of `cargo xtask bench` agree within about 0.5 %. A
/// guard against accidents (a debug build, a crate pulled in by mistake),
/// not a target: raised with a feature that needs it (#24: 160 KB).
pub const TARGET_GZIP_BYTES: u64 = 160 * 1024;

pub struct Sizes {
    /// (file name, raw bytes, gzip bytes, brotli bytes)
    pub files: Vec<(String, u64, u64, u64)>,
}

impl Sizes {
    pub fn gzip_total(&self) -> u64 {
        self.files.iter().map(|f| f.2).sum()
    }
    pub fn raw_total(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }
    /// The release wasm, in `dist`.
    pub fn wasm_path(&self, dist: &Path) -> Result<std::path::PathBuf> {
        self.files
            .iter()
            .find(|f| f.0.ends_with(".wasm"))
            .map(|f| dist.join(&f.0))
            .ok_or_else(|| format!("no .wasm in {}", dist.display()))
    }
    pub fn brotli_total(&self) -> u64 {
        self.files.iter().map(|f| f.3).sum()
    }
}

/// The files a portal loads: the wasm (which holds the CSS), the JS glue,
/// the loader, and the snippets if a build left them beside the glue (the
/// release build bundles the custom element's into it). The demo page's own files
/// are not part of the widget.
fn widget_files(dist: &Path) -> Result<Vec<std::path::PathBuf>> {
    let snippets = dist.join("snippets");
    let mut files = files_under(dist, |dir| dir.starts_with(&snippets))?;
    files.retain(|path| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        !is_precompressed(path)
            && (name.starts_with("modelarts-sync-status")
                || (path.starts_with(&snippets) && name.ends_with(".js")))
    });
    files.sort();
    Ok(files)
}

/// Measures and prints the widget's files in `dist`.
pub fn report(dist: &Path) -> Result<Sizes> {
    let mut files = Vec::new();
    for path in widget_files(dist)? {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path
            .strip_prefix(dist)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let (gz, br) = (gzip(&bytes)?.len() as u64, brotli(&bytes)?.len() as u64);
        files.push((name, bytes.len() as u64, gz, br));
    }
    if !files.iter().any(|f| f.0.ends_with(".wasm")) {
        return Err(format!("no .wasm in {}: build first", dist.display()));
    }
    let sizes = Sizes { files };
    println!("{:<56} {:>8} {:>8} {:>8}", "file", "raw", "gzip", "brotli");
    for (name, raw, gz, br) in &sizes.files {
        println!("{name:<56} {raw:>8} {gz:>8} {br:>8}");
    }
    println!(
        "{:<56} {:>8} {:>8} {:>8}",
        "total",
        sizes.raw_total(),
        sizes.gzip_total(),
        sizes.brotli_total()
    );
    Ok(sizes)
}

/// Holds the release to the ceiling.
pub fn check(sizes: &Sizes) -> Result {
    let total = sizes.gzip_total();
    if total <= TARGET_GZIP_BYTES {
        println!("size ceiling met: {total} B gzip <= {TARGET_GZIP_BYTES} B");
        return Ok(());
    }
    Err(format!(
        "the widget grew to {total} B gzip, {} B over the ceiling of {TARGET_GZIP_BYTES} B \
         (xtask/src/size.rs): find what added the bytes (`twiggy top` on the wasm)",
        total - TARGET_GZIP_BYTES
    ))
}
