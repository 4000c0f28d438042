//! The release widget's transfer size, printed by every test run.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::Result;

/// Total gzip transfer (wasm + JS + CSS) the widget aims at.
pub const TARGET_GZIP_BYTES: u64 = 80 * 1024;

pub struct Sizes {
    /// (file name, raw bytes, gzip bytes)
    pub files: Vec<(String, u64, u64)>,
}

impl Sizes {
    pub fn gzip_total(&self) -> u64 {
        self.files.iter().map(|f| f.2).sum()
    }
    pub fn raw_total(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }
}

fn gzip_len(bytes: &[u8]) -> Result<u64> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(enc.finish().map_err(|e| e.to_string())?.len() as u64)
}

/// Measures and prints every wasm, JS and CSS file in `dist`.
pub fn report(dist: &Path) -> Result<Sizes> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css")) {
            continue;
        }
        // The demo page's own stylesheet is not part of the widget.
        if name.starts_with("demo") {
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| format!("{name}: {e}"))?;
        files.push((name, bytes.len() as u64, gzip_len(&bytes)?));
    }
    files.sort();
    if !files.iter().any(|f| f.0.ends_with(".wasm")) {
        return Err(format!("no .wasm in {}: build first", dist.display()));
    }
    let sizes = Sizes { files };
    println!("{:<40} {:>10} {:>10}", "file", "raw", "gzip");
    for (name, raw, gz) in &sizes.files {
        println!("{name:<40} {raw:>10} {gz:>10}");
    }
    println!(
        "{:<40} {:>10} {:>10}   (target: {} gzip)",
        "total",
        sizes.raw_total(),
        sizes.gzip_total(),
        TARGET_GZIP_BYTES
    );
    Ok(sizes)
}
