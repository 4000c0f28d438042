//! The release's files precompressed, as a static server serves them: a
//! `.br` (brotli, quality 11) and a `.gz` (gzip, best) beside each `.wasm`,
//! `.js`, `.css`, `.html` and `.svg`, written by the post-build hook
//! (`minify.rs`) once the files are final. The proxy's `--static` answers
//! them with `Content-Encoding` (proxy/src/static_files.rs); nginx does the
//! same with `gzip_static` and `brotli_static`.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::{files_under, Result};

const EXTENSIONS: [&str; 5] = ["wasm", "js", "css", "html", "svg"];

/// Brotli at its best quality and a 4 MiB window, as static servers
/// precompress.
pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out)
}

/// gzip at its best level.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).map_err(|e| e.to_string())?;
    enc.finish().map_err(|e| e.to_string())
}

/// Whether `path` is a precompressed copy of another file.
pub fn is_precompressed(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "br" || e == "gz")
}

/// Whether `path` is a precompressed copy of an HTML page: a copy that
/// rewrites the page (the e2e site, the bench's pages) leaves it behind,
/// or the server would answer the old page.
pub fn is_precompressed_html(path: &Path) -> bool {
    is_precompressed(path)
        && path
            .file_stem()
            .is_some_and(|stem| Path::new(stem).extension().is_some_and(|e| e == "html"))
}

/// Writes `file.br` and `file.gz` beside each compressible file of `dir`
/// (replacing older ones), each only when it is smaller than the file.
pub fn precompress(dir: &Path) -> Result {
    for file in files_under(dir, |_| true)? {
        let compressible = file
            .extension()
            .is_some_and(|e| EXTENSIONS.iter().any(|x| e == *x));
        if !compressible {
            continue;
        }
        let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        for (suffix, packed) in [("br", brotli(&bytes)?), ("gz", gzip(&bytes)?)] {
            let mut to = file.clone().into_os_string();
            to.push(".");
            to.push(suffix);
            let to = std::path::PathBuf::from(to);
            if packed.len() < bytes.len() {
                std::fs::write(&to, packed).map_err(|e| format!("{}: {e}", to.display()))?;
            } else if to.exists() {
                std::fs::remove_file(&to).map_err(|e| format!("{}: {e}", to.display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressible_files_get_both_copies_that_decode_to_them() {
        let dir = crate::scratch_dir("compress");
        let js = "export const a = 'modelarts';\n".repeat(200);
        std::fs::write(dir.join("app.js"), &js).unwrap();
        std::fs::write(dir.join("tiny.css"), "a{}").unwrap();
        std::fs::write(dir.join("notes.txt"), "x".repeat(5000)).unwrap();
        precompress(&dir).unwrap();

        let br = std::fs::read(dir.join("app.js.br")).unwrap();
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut decoded).unwrap();
        assert_eq!(decoded, js.as_bytes());
        let gz = std::fs::read(dir.join("app.js.gz")).unwrap();
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut decoded)
            .unwrap();
        assert_eq!(decoded, js);
        assert!(br.len() < gz.len() && gz.len() < js.len() / 10);
        // Not worth it (3 bytes), or not a type served compressed.
        for name in ["tiny.css.br", "tiny.css.gz", "notes.txt.br", "notes.txt.gz"] {
            assert!(!dir.join(name).exists(), "{name}");
        }
        // Run again (a rebuild): the copies are replaced, not compressed again.
        precompress(&dir).unwrap();
        assert!(!dir.join("app.js.br.br").exists() && !dir.join("app.js.gz.gz").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
