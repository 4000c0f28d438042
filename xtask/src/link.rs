//! The size build's linker: rust-lld, less the exports of wasm-streams'
//! stream adapters.
//!
//! Leptos' server-function client depends on wasm-streams, whose
//! `IntoUnderlyingSource`, `IntoUnderlyingByteSource` and
//! `IntoUnderlyingSink` are `#[wasm_bindgen]` exports. rustc asks the linker
//! to keep every export, so their code stays: the adapters, the futures and
//! promise plumbing behind them, and their descriptors. The widget calls no
//! server function. Dropping them after linking (wasm-opt
//! `--remove-exports`) is too late: the function table still holds their
//! closures. Not asking the linker to export them lets its dead-code
//! elimination take all of it: ~5,900 B gzip (wasm 5,350, JS glue 590).
//!
//! For the size build, cargo runs this program as the wasm target's linker
//! (`CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER`, with [`LINKER_ENV`] set).
//! rustc calls it as it would call rust-lld (`-flavor wasm`, then the
//! arguments, or `@file` holding them one per line when the command line
//! would be too long) with its own tools folder first in `PATH`; this
//! program drops the `--export NAME` pairs of those adapters and runs
//! rust-lld with the rest. wasm-bindgen then writes the adapters' JS classes
//! with no method but `free`: [`left_out`] checks that on the glue, so that
//! a linker that kept them fails the build instead of the size budget, and
//! `no_stream_adapters_in_use` (main.rs) fails it should Rust code ever hand
//! one to JS.
//!
//! Cargo reruns a link when the linker's path changes, not its behaviour:
//! after editing this file, `touch src/lib.rs` before the next size build.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

/// Set (to "1") when cargo is to run this program as the linker.
pub const LINKER_ENV: &str = "MSS_XTASK_WASM_LINKER";

/// Exports whose name holds this are not asked for.
const DROPPED: &str = "intounderlying";

/// When this process was started as the linker ([`LINKER_ENV`] set), links
/// and returns the exit code; otherwise `None`.
pub fn run_if_linker() -> Option<u8> {
    std::env::var_os(LINKER_ENV)?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    Some(match link(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask (as the wasm linker): {e}");
            1
        }
    })
}

fn link(args: &[OsString]) -> Result<u8, String> {
    if args.first().and_then(|a| a.to_str()) != Some("-flavor") {
        return Err(format!(
            "expected rustc's `-flavor wasm ...`, got {:?}",
            args.iter().take(3).collect::<Vec<_>>()
        ));
    }
    let mut out = Vec::with_capacity(args.len());
    for arg in filter(args) {
        match arg.to_str().and_then(|a| a.strip_prefix('@')) {
            Some(file) => out.push(filtered_response_file(Path::new(file))?),
            None => out.push(arg.clone()),
        }
    }
    let status = Command::new("rust-lld")
        .args(&out)
        .status()
        .map_err(|e| format!("cannot run rust-lld: {e}"))?;
    Ok(status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(1))
}

/// A response file (one argument per line) rewritten without the
/// adapters' exports, as `@path` of the new file. Export names hold no
/// space or backslash, so their lines need no unescaping; the other lines
/// are kept as they are.
fn filtered_response_file(file: &Path) -> Result<OsString, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let lines: Vec<OsString> = text.lines().map(OsString::from).collect();
    let kept: Vec<&str> = filter(&lines).iter().filter_map(|l| l.to_str()).collect();
    let out = file.with_extension("filtered");
    std::fs::write(&out, kept.join("\n") + "\n").map_err(|e| format!("{}: {e}", out.display()))?;
    let mut arg = OsString::from("@");
    arg.push(out);
    Ok(arg)
}

/// The linker's arguments, less the `--export NAME` and `--export=NAME`
/// of the stream adapters.
fn filter(args: &[OsString]) -> Vec<&OsString> {
    let dropped = |name: &OsString| {
        name.to_str()
            .is_some_and(|n| n.to_ascii_lowercase().contains(DROPPED))
    };
    let mut out = Vec::with_capacity(args.len());
    let mut args = args.iter().peekable();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--export") if args.next_if(|name| dropped(name)).is_some() => continue,
            Some(a) if a.starts_with("--export=") && dropped(arg) => continue,
            _ => {}
        }
        out.push(arg);
    }
    out
}

/// From each occurrence of `needle` in `js` to the end of its identifier,
/// and the text after that.
pub fn identifiers_from<'a>(
    js: &'a str,
    needle: &'a str,
) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    js.match_indices(needle).map(move |(at, _)| {
        let rest = &js[at..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        rest.split_at(end)
    })
}

/// Checks on the JS glue that the adapters' methods were left out, which
/// the size build's linker does: their classes keep only `free`.
pub fn left_out(glue_js: &str) -> Result<(), String> {
    let kept: Vec<&str> = identifiers_from(glue_js, DROPPED)
        .filter_map(|(name, _)| (!name.ends_with("_free")).then_some(name))
        .collect();
    if kept.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the size build kept the stream adapters' exports ({}): \
             the xtask did not link the wasm (xtask/src/link.rs)",
            kept.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn kept(args: &[&str]) -> Vec<String> {
        let args = os(args);
        filter(&args)
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn drops_only_the_adapters_exports() {
        assert_eq!(
            kept(&[
                "-flavor",
                "wasm",
                "--export",
                "__wbg_intounderlyingsource_free_58a9",
                "--export",
                "mount",
                "--export",
                "__wbindgen_describe_intounderlyingsink_write_58a9",
                "--export=IntoUnderlyingByteSource_pull",
                "--export=__heap_base",
                "--export",
                "__wbindgen_describe___wbg_new_with_into_underlying_source_10a8",
                "-o",
                "out.wasm",
            ]),
            [
                "-flavor",
                "wasm",
                "--export",
                "mount",
                "--export=__heap_base",
                // An import's descriptor (JS's ReadableStream), not an adapter.
                "--export",
                "__wbindgen_describe___wbg_new_with_into_underlying_source_10a8",
                "-o",
                "out.wasm",
            ]
        );
    }

    #[test]
    fn a_trailing_export_flag_is_kept() {
        assert_eq!(
            kept(&["-flavor", "wasm", "--export"]),
            ["-flavor", "wasm", "--export"]
        );
    }

    #[test]
    fn response_files_are_filtered_too() {
        let dir = crate::scratch_dir("link-response-file");
        let file = dir.join("linker-arguments");
        let escaped = "/a\\ folder/lib.rlib";
        std::fs::write(
            &file,
            format!("--export\n__wbg_intounderlyingsink_free_1\n--export\nmount\n{escaped}\n"),
        )
        .unwrap();
        let arg = filtered_response_file(&file).unwrap();
        let new = arg.to_str().unwrap().strip_prefix('@').unwrap();
        assert_eq!(
            std::fs::read_to_string(new).unwrap(),
            format!("--export\nmount\n{escaped}\n")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn not_called_as_rustc_calls_a_linker() {
        assert!(link(&os(&["build"])).unwrap_err().contains("-flavor"));
    }

    #[test]
    fn glue_check() {
        let freed = "wasm.__wbg_intounderlyingsource_free(ptr, 0); class IntoUnderlyingSource {}";
        assert!(left_out(freed).is_ok());
        let pulled = "return wasm.intounderlyingsource_pull(this.__wbg_ptr, c);";
        let err = left_out(&format!("{freed}\n{pulled}")).unwrap_err();
        assert!(err.contains("intounderlyingsource_pull"), "{err}");
    }
}
